"""Agent console routes: the page, its JSON API and its live stream (role: agent).

Each route takes what it needs from the app's ``WebServices``; what the customer and
the agent are told is in ``web.agent.wording``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from actions.errors import AssistantError
from actions.segments.models import CustomerProfile
from web import metrics
from web.accounts.guards import CONVERSATION_READERS, Endpoint, requires_role
from web.accounts.models import User
from web.agent import wording
from web.agent.canned import unfilled
from web.agent.context import context_of
from web.agent.desk import Claim, Closing, ResolutionCategory
from web.agent.inbox import Inbox
from web.agent.inbox_routes import inbox_routes
from web.agent.live import console_events
from web.agent.rasa_api import RasaUnavailable
from web.agent.transcript import editable_slots, offers_shown, transcript
from web.services import WebServices, services_of

logger = logging.getLogger(__name__)

FEEDBACK_INTENT = "give_feedback"


class Reply(BaseModel):
    """An agent's message to the customer."""

    text: str = Field(min_length=1, max_length=2000)


class HandBack(BaseModel):
    """Hand the conversation back to the bot, with slot corrections the agent made."""

    slots: dict[str, str | None] = Field(default_factory=dict)


class Close(BaseModel):
    """Close the conversation with a resolution note."""

    note: str = Field(min_length=1, max_length=2000)
    # One of the fixed list (web.agent.desk.RESOLUTION_CATEGORIES); a client that sends none records "other".
    category: ResolutionCategory = "other"


@dataclass(frozen=True)
class Leaving:
    """One way an agent gives a conversation back to the bot: what is logged, answered and asked."""

    action: str
    answer: str
    failed: str
    ask_feedback: bool


HAND_BACK = Leaving("handoff.handback", "handed_back", wording.HAND_BACK_FAILED, ask_feedback=False)
# The bot's own feedback form asks for the CSAT score: the widget shows it as a rating prompt.
CLOSE = Leaving("handoff.close", "closed", wording.CLOSE_FAILED, ask_feedback=True)

BodyT = TypeVar("BodyT", bound=BaseModel)


def _user(request: Request) -> User:
    return request.state.user


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _held_by(owner: Claim) -> JSONResponse:
    return _error(409, wording.HELD_BY.format(owner=owner.display_name), owner=owner.model_dump())


async def _body(request: Request, model: type[BodyT]) -> BodyT | JSONResponse:
    try:
        return model.model_validate(await request.json())
    except (ValidationError, ValueError) as error:
        fields = error.errors() if isinstance(error, ValidationError) else []
        detail = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in fields]
        return _error(422, wording.INVALID_REQUEST, details=detail)


def _for_the_owner(
    model: type[BodyT],
) -> Callable[[Callable[[Request, BodyT], Awaitable[Response]]], Endpoint]:
    """Let through only a valid ``model`` body from the agent who holds the conversation.

    The endpoint gets the body; anyone else gets the refusal (422 for the body, 409 for the claim).
    """

    def decorate(endpoint: Callable[[Request, BodyT], Awaitable[Response]]) -> Endpoint:
        @functools.wraps(endpoint)
        async def checked(request: Request) -> Response:
            body = await _body(request, model)
            if isinstance(body, JSONResponse):
                return body
            refusal = await _owned(request, request.path_params["conversation_id"])
            return refusal or await endpoint(request, body)

        return checked

    return decorate


async def _owned(request: Request, conversation_id: str) -> JSONResponse | None:
    """None when the signed-in agent holds the conversation, else the refusal to send."""
    owner = await services_of(request).desk.owner(conversation_id)
    if owner is None:
        return _error(409, wording.CLAIM_FIRST)
    if owner.agent != _user(request).username:
        return _held_by(owner)
    return None


def _notice(text: str, kind: str, user: User) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"handoff": kind, "agent": {"name": user.display_name}}}


async def _profile(services: WebServices, slots: dict[str, Any]) -> CustomerProfile | None:
    """The signed-in customer's profile, by the bot's own lookup; None for a visitor or when unavailable."""
    customer_id = slots.get("customer_id")
    if not slots.get("signed_in") or not customer_id:
        return None
    try:
        return await services.profile(str(customer_id))
    except AssistantError:
        # As in the bot: a customer whose profile cannot be had is shown without one.
        logger.exception("agent console: profile of customer %s unavailable", customer_id)
        return None


async def _handed_back(services: WebServices, user: User) -> str:
    """The hand-back notice, naming the store as its policy in Redis does."""
    try:
        store = (await services.store.policy()).store_name
    except AssistantError:
        logger.exception("agent console: the store's policy is unreadable; the notice names no store")
        return wording.HANDED_BACK_UNNAMED.format(agent=user.display_name)
    return wording.HANDED_BACK.format(agent=user.display_name, store=store)


@requires_role("agent")
async def console_page(request: Request) -> Response:
    """The queue and conversation view (one page, live)."""
    return services_of(request).pages.console(request, "agent/console.html")


@requires_role("agent")
async def queue(request: Request) -> Response:
    """Queued conversations, most urgent and longest waiting first."""
    items = await services_of(request).desk.queue()
    return JSONResponse({"items": [i.model_dump() for i in items]})


@requires_role(*CONVERSATION_READERS)
async def conversation(request: Request) -> Response:
    """Everything an agent needs about one handed-off conversation."""
    cid, services = request.path_params["conversation_id"], services_of(request)
    state = await services.desk.state(cid)
    if state.request is None:
        # Agents see conversations that were handed to a person, not every chat.
        return _error(404, wording.NO_HANDOFF)
    try:
        tracker, domain = await services.rasa.tracker(cid), await services.rasa.domain()
    except RasaUnavailable:
        logger.exception("agent console: tracker of %s unavailable", cid)
        return _error(503, wording.RASA_DOWN)
    events, slots = tracker.get("events") or [], tracker.get("slots") or {}
    timeline = await services.emotion_timeline.read(cid)
    profile = await _profile(services, slots)
    # Reading a customer's conversation and profile is on the record.
    customer = str(slots["customer_id"]) if slots.get("signed_in") and slots.get("customer_id") else None
    await services.audit(_user(request).username, "conversation.read", cid, {"customer_id": customer})
    context = await context_of(services, events, slots, state.request, timeline, offers_shown(events))
    return JSONResponse(
        {
            **context.model_dump(mode="json"),
            "conversation_id": cid,
            "handoff": state.model_dump(),
            "paused": bool(tracker.get("paused")),
            "transcript": [e.model_dump() for e in transcript(events)],
            "emotion_timeline": [
                {
                    "at": e.at,
                    "sentiment": e.reading.sentiment,
                    "dominant": e.reading.dominant,
                    "negative": e.reading.negative,
                    "intent": e.intent,
                }
                for e in timeline
            ],  # fmt: skip
            "profile": profile.model_dump(mode="json", exclude={"purchased_product_ids"})
            if profile
            else None,
            "offers_shown": [o.model_dump() for o in offers_shown(events)],
            "slots": {k: v for k, v in slots.items() if k != "session_started_metadata"},
            "editable_slots": editable_slots(domain),
        }
    )


@requires_role("agent")
async def claim(request: Request) -> Response:
    """Take the conversation; the customer is told a person has joined."""
    cid, user, services = request.path_params["conversation_id"], _user(request), services_of(request)
    result = await services.desk.claim(cid, user.username, user.display_name)
    if result.outcome == "not_queued" or result.claim is None:
        return _error(404, wording.NOT_QUEUED)
    if result.outcome == "taken":
        return _held_by(result.claim)
    if result.waited_s is not None:  # a new claim, not the owner's renewal
        metrics.handoff_claimed(result.waited_s)
    await services.audit(user.username, "handoff.claim", cid, {})
    joined = _notice(wording.JOINED.format(agent=user.display_name), "joined", user)
    try:
        await services.rasa.append(cid, [joined])
    except RasaUnavailable:
        logger.exception("agent console: could not tell %s that %s joined", cid, user.username)
    return JSONResponse(result.model_dump())


@requires_role("agent")
@_for_the_owner(Reply)
async def reply(request: Request, body: Reply) -> Response:
    """Send the agent's message to the customer's widget; Rasa records it in the tracker."""
    cid, user = request.path_params["conversation_id"], _user(request)
    left = unfilled(body.text)  # a canned reply's variable nobody filled in: never sent as it is
    if left:
        names = ", ".join("{" + name + "}" for name in left)
        message = wording.UNFILLED_VARIABLES.format(names=names)
        return _error(422, message, details=[{"field": "text", "message": message}])
    event = {"event": "bot", "text": body.text, "metadata": {"agent": {"name": user.display_name}}}
    services = services_of(request)
    try:
        await services.rasa.append(cid, [event])
    except RasaUnavailable:
        logger.exception("agent console: reply to %s not delivered", cid)
        return _error(503, wording.REPLY_NOT_DELIVERED)
    # The text itself is in the conversation's tracker; the log says who wrote how much, when.
    await services.audit(user.username, "conversation.reply", cid, {"characters": len(body.text)})
    return JSONResponse({"delivered": True})


@requires_role("agent")
@_for_the_owner(HandBack)
async def hand_back(request: Request, body: HandBack) -> Response:
    """Give the conversation back to the bot, which carries on with its (corrected) slots."""
    cid, services = request.path_params["conversation_id"], services_of(request)
    try:
        allowed = set(editable_slots(await services.rasa.domain()))
    except RasaUnavailable:
        logger.exception("agent console: hand-back of %s failed", cid)
        return _error(503, HAND_BACK.failed)
    refused = sorted(set(body.slots) - allowed)
    if refused:
        details = [{"field": f"slots.{name}", "message": "not editable"} for name in refused]
        return _error(422, wording.NOT_EDITABLE, details=details)
    corrections = [{"event": "slot", "name": k, "value": v} for k, v in body.slots.items()]
    notice = await _handed_back(services, _user(request))
    record = functools.partial(services.desk.hand_back, cid)
    return await _leave(request, HAND_BACK, notice, corrections, record, {"slots": body.slots})


@requires_role("agent")
@_for_the_owner(Close)
async def close(request: Request, body: Close) -> Response:
    """Close with a resolution note; the bot asks the customer to rate the conversation."""
    cid, user, services = request.path_params["conversation_id"], _user(request), services_of(request)
    notice = wording.CLOSED.format(agent=user.display_name)
    closing = Closing(agent=user.username, note=body.note, category=body.category)
    record = functools.partial(services.desk.close, cid, closing)
    return await _leave(request, CLOSE, notice, [], record, {"note": body.note, "category": body.category})


async def _leave(
    request: Request,
    how: Leaving,
    notice: str,
    events: list[dict[str, Any]],
    record: Callable[[], Awaitable[None]],
    details: dict[str, Any],
) -> Response:
    """Append ``events`` and the notice, resume the bot, then ``record`` it at the desk and audit it."""
    cid, user, services = request.path_params["conversation_id"], _user(request), services_of(request)
    try:
        await services.rasa.append(cid, [*events, _notice(notice, "left", user), {"event": "resume"}])
        if how.ask_feedback:
            await services.rasa.trigger_intent(cid, FEEDBACK_INTENT)
    except RasaUnavailable:
        logger.exception("agent console: %s of %s failed", how.action, cid)
        return _error(503, how.failed)
    await record()
    metrics.handoff_left(how.action.removeprefix("handoff."))
    await services.audit(user.username, how.action, cid, details)
    return JSONResponse({how.answer: True})


@requires_role("agent")
async def stream(request: Request) -> Response:
    """Server-sent events: queue changes and new lines of queued conversations.

    Closed (after a ``signed_out`` event) once the session that opened it is over or its
    account changed: the stream's own checks do not count as activity for the idle timeout.
    """
    services = services_of(request)
    session_id, user = request.state.session_id, _user(request)

    async def still_signed_in() -> bool:
        found = await services.accounts.signed_in(session_id, touch=False)
        return found is not None and found[0] == user

    async def counts() -> dict[str, int]:
        return (await Inbox(services.redis, services.keys).counts(user.username)).model_dump()

    events = console_events(services.stream_redis, services.keys, services.desk, still_signed_in, counts)
    return EventSourceResponse(metrics.live_stream("agent", events), ping=15)


def agent_routes() -> list[BaseRoute]:
    """Routes of the agent console."""
    base = "/api/agent/conversations/{conversation_id}"
    return [
        Route("/agent", console_page, methods=["GET"]),
        Route("/api/agent/queue", queue, methods=["GET"]),
        Route("/api/agent/stream", stream, methods=["GET"]),
        Route(base, conversation, methods=["GET"]),
        Route(f"{base}/claim", claim, methods=["POST"]),
        Route(f"{base}/reply", reply, methods=["POST"]),
        Route(f"{base}/handback", hand_back, methods=["POST"]),
        Route(f"{base}/close", close, methods=["POST"]),
        *inbox_routes(),
    ]
