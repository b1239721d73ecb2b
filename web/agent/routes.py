"""Agent console routes: the page, its JSON API and its live stream (role: agent)."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from actions.emotion.timeline import TimelineEntry
from actions.segments.storage import load_profile
from web.accounts.audit import audit
from web.accounts.guards import requires_role
from web.accounts.models import User
from web.agent.desk import Closing, HandoffDesk
from web.agent.live import console_events
from web.agent.rasa_api import RasaApi, RasaUnavailable
from web.agent.transcript import editable_slots, offers_shown, transcript
from web.context import context_of

logger = logging.getLogger(__name__)

# What the customer's widget shows when a person joins or leaves.
JOINED = "{name} from our team has joined the chat."
HANDED_BACK = "{name} has handed you back to the Brightcart assistant. Ask me anything."
CLOSED = "{name} has closed this conversation. Thank you for your patience."
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


BodyT = TypeVar("BodyT", bound=BaseModel)


def _desk(request: Request) -> HandoffDesk:
    return request.app.state.desk


def _rasa(request: Request) -> RasaApi:
    return request.app.state.rasa


def _user(request: Request) -> User:
    return request.state.user


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _body(request: Request, model: type[BodyT]) -> BodyT | JSONResponse:
    try:
        return model.model_validate(await request.json())
    except (ValidationError, ValueError) as error:
        fields = error.errors() if isinstance(error, ValidationError) else []
        detail = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in fields]
        return _error(422, "invalid request", details=detail)


async def _owned_body(request: Request, model: type[BodyT]) -> BodyT | JSONResponse:
    """The validated body of a request from the agent who holds the conversation, else the refusal."""
    body = await _body(request, model)
    if isinstance(body, JSONResponse):
        return body
    return await _owned(request, request.path_params["conversation_id"]) or body


async def _owned(request: Request, conversation_id: str) -> JSONResponse | None:
    """None when the signed-in agent holds the conversation, else the refusal to send."""
    owner = await _desk(request).owner(conversation_id)
    if owner is None:
        return _error(409, "claim the conversation first")
    if owner.agent != _user(request).username:
        return _error(409, f"{owner.display_name} has this conversation", owner=owner.model_dump())
    return None


def _notice(text: str, kind: str, user: User) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"handoff": kind, "agent": {"name": user.display_name}}}


@requires_role("agent")
async def console_page(request: Request) -> Response:
    """The queue and conversation view (one page, live)."""
    templates = request.app.state.templates
    context = {"user": _user(request), "csrf_token": request.state.csrf_token}
    return templates.TemplateResponse(request, "agent/console.html", context)


@requires_role("agent")
async def queue(request: Request) -> Response:
    """Queued conversations, most urgent and longest waiting first."""
    items = await _desk(request).queue()
    return JSONResponse({"items": [i.model_dump() for i in items]})


@requires_role("agent")
async def conversation(request: Request) -> Response:
    """Everything an agent needs about one handed-off conversation."""
    cid = request.path_params["conversation_id"]
    ctx = context_of(request)
    state = await _desk(request).state(cid)
    if state.request is None:
        # Agents see conversations that were handed to a person, not every chat.
        return _error(404, "no handoff for this conversation")
    try:
        tracker, domain = await _rasa(request).tracker(cid), await _rasa(request).domain()
    except RasaUnavailable:
        logger.exception("agent console: tracker of %s unavailable", cid)
        return _error(503, "the assistant is not answering; try again in a moment")
    events, slots = tracker.get("events") or [], tracker.get("slots") or {}
    raw_timeline = await ctx.redis.lrange(ctx.keys.emotion_timeline(cid), 0, -1)
    timeline = [TimelineEntry.model_validate_json(r) for r in raw_timeline]
    profile = None
    if slots.get("signed_in") and slots.get("customer_id"):
        profile = await load_profile(ctx.redis, ctx.keys, str(slots["customer_id"]))
    return JSONResponse(
        {
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
    cid, user, ctx = request.path_params["conversation_id"], _user(request), context_of(request)
    result = await _desk(request).claim(cid, user.username, user.display_name)
    if result.outcome == "not_queued":
        return _error(404, "this conversation is not waiting for a person")
    if result.outcome == "taken":
        return _error(
            409, f"{result.claim.display_name} has this conversation", owner=result.claim.model_dump()
        )
    await audit(ctx.redis, ctx.keys, user.username, "handoff.claim", cid, {})
    try:
        await _rasa(request).append(cid, [_notice(JOINED.format(name=user.display_name), "joined", user)])
    except RasaUnavailable:
        logger.exception("agent console: could not tell %s that %s joined", cid, user.username)
    return JSONResponse(result.model_dump())


@requires_role("agent")
async def reply(request: Request) -> Response:
    """Send the agent's message to the customer's widget; Rasa records it in the tracker."""
    cid, user = request.path_params["conversation_id"], _user(request)
    body = await _owned_body(request, Reply)
    if isinstance(body, JSONResponse):
        return body
    event = {"event": "bot", "text": body.text, "metadata": {"agent": {"name": user.display_name}}}
    try:
        await _rasa(request).append(cid, [event])
    except RasaUnavailable:
        logger.exception("agent console: reply to %s not delivered", cid)
        return _error(503, "not delivered: the assistant is not answering; your text is kept, try again")
    return JSONResponse({"delivered": True})


@requires_role("agent")
async def hand_back(request: Request) -> Response:
    """Give the conversation back to the bot, which carries on with its (corrected) slots."""
    cid, user, ctx = request.path_params["conversation_id"], _user(request), context_of(request)
    body = await _owned_body(request, HandBack)
    if isinstance(body, JSONResponse):
        return body
    try:
        allowed = set(editable_slots(await _rasa(request).domain()))
        refused = sorted(set(body.slots) - allowed)
        if refused:
            return _error(422, "these slots cannot be changed by an agent", details=[{"field": f"slots.{n}", "message": "not editable"} for n in refused])  # fmt: skip
        corrections = [{"event": "slot", "name": k, "value": v} for k, v in body.slots.items()]
        notice = _notice(HANDED_BACK.format(name=user.display_name), "left", user)
        await _rasa(request).append(cid, [*corrections, notice, {"event": "resume"}])
    except RasaUnavailable:
        logger.exception("agent console: hand-back of %s failed", cid)
        return _error(503, "the assistant is not answering; the conversation stays with you")
    await _desk(request).hand_back(cid)
    await audit(ctx.redis, ctx.keys, user.username, "handoff.handback", cid, {"slots": body.slots})
    return JSONResponse({"handed_back": True})


@requires_role("agent")
async def close(request: Request) -> Response:
    """Close with a resolution note; the bot asks the customer to rate the conversation."""
    cid, user, ctx = request.path_params["conversation_id"], _user(request), context_of(request)
    body = await _owned_body(request, Close)
    if isinstance(body, JSONResponse):
        return body
    try:
        await _rasa(request).append(
            cid, [_notice(CLOSED.format(name=user.display_name), "left", user), {"event": "resume"}]
        )
        # The bot's own feedback form asks for the CSAT score: the widget shows it as a rating prompt.
        await _rasa(request).trigger_intent(cid, FEEDBACK_INTENT)
    except RasaUnavailable:
        logger.exception("agent console: closing %s failed", cid)
        return _error(503, "the assistant is not answering; the conversation stays open")
    await _desk(request).close(cid, Closing(agent=user.username, note=body.note))
    await audit(ctx.redis, ctx.keys, user.username, "handoff.close", cid, {"note": body.note})
    return JSONResponse({"closed": True})


@requires_role("agent")
async def stream(request: Request) -> Response:
    """Server-sent events: queue changes and new lines of queued conversations."""
    ctx = context_of(request)
    events = console_events(request.app.state.stream_redis, ctx.keys, _desk(request))
    return EventSourceResponse(events, ping=15)


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
    ]
