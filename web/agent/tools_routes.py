"""The agent's tools: canned replies, private notes, transfer to a colleague, release to the queue.

JSON under ``/api/agent/`` for the console's script (``web/console/agent_tools.js``), and
one plain HTML page, ``/agent/canned``, where the team manages its canned replies with
forms (the CSRF token is a form field). Every change is written to the audit log:
``handoff.transfer``, ``handoff.release`` and ``handoff.note`` (the ``handoff.`` prefix
makes the live stream tell every open console, so a note shows up for colleagues at
once), ``canned_reply.create``, ``canned_reply.update`` and ``canned_reply.delete``.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from actions.errors import AssistantError
from actions.redis_edge import parse_stored, store_call
from actions.store.models import Customer
from web.accounts.guards import CONVERSATION_READERS, has_role, requires_role
from web.accounts.models import USERNAME_PATTERN, User
from web.agent import wording
from web.agent.canned import VARIABLES, CannedInvalid, CannedReply, CannedStore, fill, new_reply
from web.agent.desk import Claim, PassOnResult
from web.agent.notes import NOTE_MAX, Note, NoteBook
from web.agent.rasa_api import RasaUnavailable
from web.agent.routes import _body, _error, _for_the_owner, _held_by, _notice, _user
from web.services import WebServices, services_of

logger = logging.getLogger(__name__)

CANNED_PAGE = "/agent/canned"


class Transfer(BaseModel):
    """Give the conversation to a colleague."""

    to: str = Field(min_length=1, max_length=40, description="the colleague's username")


class Release(BaseModel):
    """Put the conversation back in the queue (no fields)."""


class TakeBack(BaseModel):
    """A lead takes a conversation from whoever holds it: to a colleague, or (no ``to``) to the queue."""

    to: str | None = Field(default=None, min_length=1, max_length=40, description="the colleague's username")


class NoteBody(BaseModel):
    """A private note for the other agents."""

    text: str = Field(min_length=1, max_length=NOTE_MAX)


def _field_error(status: int, message: str, field: str, reason: str) -> JSONResponse:
    return _error(status, message, details=[{"field": field, "message": reason}])


async def _handed_off(services: WebServices, conversation_id: str) -> JSONResponse | None:
    """None when the conversation was handed to a person, else the 404 to send."""
    state = await services.desk.state(conversation_id)
    return None if state.request is not None else _error(404, wording.NO_HANDOFF)


def _passed_on(result: PassOnResult) -> JSONResponse | None:
    """The refusal for a transfer or release that did not happen (the owner changed meanwhile)."""
    if result.outcome == "unclaimed":
        return _error(409, wording.CLAIM_FIRST)
    if result.outcome == "not_yours" and result.claim is not None:
        return _held_by(result.claim)
    return None


async def _tell_the_customer(services: WebServices, cid: str, text: str, kind: str, as_user: User) -> None:
    try:
        await services.rasa.append(cid, [_notice(text, kind, as_user)])
    except RasaUnavailable:
        # The move stands; only the widget's notice is missing (the transcript shows it happened).
        logger.exception("agent console: could not tell %s about a %s", cid, kind)


# --- transfer and release ---------------------------------------------------


@requires_role("agent")
async def colleagues(request: Request) -> Response:
    """Accounts a conversation can be transferred to: agents (and admins), yourself excepted."""
    me = _user(request).username
    accounts = await services_of(request).accounts.users.all()
    people = [
        {"username": a.username, "display_name": a.display_name}
        for a in accounts
        if a.username != me and has_role(a.public(), "agent")
    ]
    return JSONResponse({"agents": people})


@requires_role("agent")
@_for_the_owner(Transfer)
async def transfer(request: Request, body: Transfer) -> Response:
    """Hand the conversation to a colleague; the widget says who has joined."""
    cid, user, services = request.path_params["conversation_id"], _user(request), services_of(request)
    target = await services.accounts.users.get(body.to) if USERNAME_PATTERN.fullmatch(body.to) else None
    if target is None or not has_role(target.public(), "agent"):
        return _field_error(422, wording.NOT_AN_AGENT, "to", wording.NOT_AN_AGENT)
    if target.username == user.username:
        return _field_error(422, wording.TRANSFER_TO_SELF, "to", wording.TRANSFER_TO_SELF)
    to = Claim(agent=target.username, display_name=target.display_name)
    refusal = _passed_on(await services.desk.transfer(cid, user.username, to))
    if refusal:
        return refusal
    await services.audit(user.username, "handoff.transfer", cid, {"to": target.username})
    joined = wording.TRANSFERRED.format(agent=target.display_name)
    await _tell_the_customer(services, cid, joined, "joined", target.public())
    return JSONResponse({"transferred": True, "claim": to.model_dump()})


@requires_role("agent")
@_for_the_owner(Release)
async def release(request: Request, body: Release) -> Response:
    """Back to the queue, unclaimed, with its original waiting time; the bot stays paused."""
    cid, user, services = request.path_params["conversation_id"], _user(request), services_of(request)
    refusal = _passed_on(await services.desk.release(cid, user.username))
    if refusal:
        return refusal
    await services.audit(user.username, "handoff.release", cid, {})
    left = wording.RELEASED.format(agent=user.display_name)
    # "left": the widget shows it as a notice, and its waiting banner asks again where the customer stands.
    await _tell_the_customer(services, cid, left, "left", user)
    return JSONResponse({"released": True})


@requires_role("admin")
async def take_back(request: Request) -> Response:
    """A lead takes a conversation from an absent agent: back to the queue, or to a colleague.

    Audited with both names (``handoff.take_back``: the lead is the actor, ``from`` the agent
    who held it); the audit entry's ``handoff.`` prefix tells every open console at once, so
    the agent who held it sees it leave their hands.
    """
    body = await _body(request, TakeBack)
    if isinstance(body, JSONResponse):
        return body
    cid, user, services = request.path_params["conversation_id"], _user(request), services_of(request)
    missing = await _handed_off(services, cid)
    if missing:
        return missing
    owner = await services.desk.owner(cid)
    if owner is None:
        return _error(409, wording.NOBODY_HOLDS_IT)
    to = target = None
    if body.to is not None:
        target = await services.accounts.users.get(body.to) if USERNAME_PATTERN.fullmatch(body.to) else None
        if target is None or not has_role(target.public(), "agent"):
            return _field_error(422, wording.NOT_AN_AGENT, "to", wording.NOT_AN_AGENT)
        if target.username == owner.agent:
            message = wording.ALREADY_HOLDS_IT.format(owner=owner.display_name)
            return _field_error(422, message, "to", message)
        to = Claim(agent=target.username, display_name=target.display_name)
    result = await services.desk.take_back(cid, to)
    if result.outcome == "unclaimed" or result.claim is None:
        return _error(409, wording.NOBODY_HOLDS_IT)  # released or closed in between
    before = result.claim
    await services.audit(
        user.username,
        "handoff.take_back",
        cid,
        {"from": before.agent, "to": None if to is None else to.agent},
    )
    # In the widget, as if the agent who held it had released it or transferred it.
    if target is None:
        held_by = await services.accounts.users.get(before.agent)
        left = wording.RELEASED.format(agent=before.display_name)
        await _tell_the_customer(services, cid, left, "left", held_by.public() if held_by else user)
    else:
        joined = wording.TRANSFERRED.format(agent=target.display_name)
        await _tell_the_customer(services, cid, joined, "joined", target.public())
    return JSONResponse({"taken_from": before.model_dump(), "claim": None if to is None else to.model_dump()})


# --- private notes ------------------------------------------------------------


@requires_role(*CONVERSATION_READERS)
async def notes(request: Request) -> Response:
    """The conversation's private notes, oldest first (agents only; never sent to the customer)."""
    cid, services = request.path_params["conversation_id"], services_of(request)
    refusal = await _handed_off(services, cid)
    if refusal:
        return refusal
    found = await NoteBook(services.redis, services.keys).read(cid)
    return JSONResponse({"notes": [n.model_dump(exclude={"author"}) for n in found]})


@requires_role("agent")
async def add_note(request: Request) -> Response:
    """Add a private note (any agent, not only the owner: a colleague may leave advice)."""
    cid, user, services = request.path_params["conversation_id"], _user(request), services_of(request)
    body = await _body(request, NoteBody)
    if isinstance(body, JSONResponse):
        return body
    if not body.text.strip():
        return _field_error(422, wording.INVALID_REQUEST, "text", "must not be empty")
    refusal = await _handed_off(services, cid)
    if refusal:
        return refusal
    note = Note(author=user.username, author_name=user.display_name, text=body.text)
    await NoteBook(services.redis, services.keys).add(cid, note)
    # The words stay in the notes; the log says who wrote how much, when.
    await services.audit(user.username, "handoff.note", cid, {"characters": len(note.text)})
    return JSONResponse({"note": note.model_dump(exclude={"author"})})


# --- canned replies -------------------------------------------------------------


async def _may_manage(services: WebServices, user: User) -> bool:
    if user.role == "admin":
        return True
    stored = await services.accounts.users.get(user.username)
    return bool(stored and stored.can_manage_canned)


@requires_role("agent")
async def canned_list(request: Request) -> Response:
    """Every canned reply (for the reply box's ``/`` picker), the variables, and whether you may edit them."""
    services, user = services_of(request), _user(request)
    replies = await CannedStore(services.redis, services.keys).all()
    return JSONResponse(
        {
            "replies": [r.model_dump(include={"shortcut", "title", "text"}) for r in replies],
            "variables": VARIABLES,
            "can_manage": await _may_manage(services, user),
        }
    )


@requires_role("agent")
async def canned_filled(request: Request) -> Response:
    """One canned reply with this conversation's values filled in; those it lacks are listed."""
    cid, services = request.path_params["conversation_id"], services_of(request)
    refusal = await _handed_off(services, cid)
    if refusal:
        return refusal
    reply = await CannedStore(services.redis, services.keys).get(request.path_params["shortcut"])
    if reply is None:
        return _error(404, wording.NO_CANNED_REPLY)
    try:
        slots = (await services.rasa.tracker(cid)).get("slots") or {}
    except RasaUnavailable:
        logger.exception("agent console: tracker of %s unavailable for a canned reply", cid)
        return _error(503, wording.RASA_DOWN)
    values = await _values(services, slots, _user(request))
    return JSONResponse(fill(reply, values).model_dump())


async def _values(services: WebServices, slots: dict[str, Any], user: User) -> dict[str, str | None]:
    """What this conversation knows for each variable (None: not known)."""
    values: dict[str, str | None] = {"agent_name": user.display_name, "first_name": None, "store_name": None}
    order_id = slots.get("order_id")
    values["order_id"] = str(order_id) if order_id else None
    customer_id = slots.get("customer_id")
    if slots.get("signed_in") and customer_id:
        # Only a signed-in customer's name: a visitor's slots name nobody.
        key = services.keys.customer(str(customer_id))
        try:
            with store_call("read the customer"):
                raw = await services.redis.get(key)
            values["first_name"] = parse_stored(Customer, raw, key).first_name if raw else None
        except AssistantError:
            logger.exception("agent console: customer %s unreadable for a canned reply", customer_id)
    try:
        values["store_name"] = (await services.store.policy()).store_name
    except AssistantError:
        logger.exception("agent console: the store's policy is unreadable for a canned reply")
    return values


async def _form(request: Request, *names: str) -> dict[str, str]:
    """The named fields of a posted form, as text (a missing or file field is empty)."""
    async with request.form() as form:
        values = {name: form.get(name) for name in names}
    return {name: value if isinstance(value, str) else "" for name, value in values.items()}


async def _canned_page(
    request: Request, error: str | None = None, draft: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    services, user = services_of(request), _user(request)
    replies: list[CannedReply] = await CannedStore(services.redis, services.keys).all()
    return services.pages.console(
        request,
        "agent/canned.html",
        status_code,
        replies=replies,
        variables=VARIABLES,
        can_manage=await _may_manage(services, user),
        error=error,
        draft=draft or {"shortcut": "", "title": "", "text": "", "replaces": ""},
    )


@requires_role("agent")
async def canned_page(request: Request) -> Response:
    """The team's canned replies; forms to add, edit and delete them for those who may."""
    return await _canned_page(request)


@requires_role("agent")
async def canned_save(request: Request) -> Response:
    """Add a canned reply, or edit one (``replaces``: its shortcut before the edit)."""
    services, user = services_of(request), _user(request)
    fields = await _form(request, "shortcut", "title", "text", "replaces")
    if not await _may_manage(services, user):
        return await _canned_page(request, wording.NOT_A_CANNED_MANAGER, fields, 403)
    store = CannedStore(services.redis, services.keys)
    replaces = fields["replaces"] or None
    try:
        if replaces is not None and await store.get(replaces) is None:
            raise CannedInvalid([f"replaces: {wording.NO_CANNED_REPLY} (/{replaces})"])
        reply = new_reply(fields["shortcut"], fields["title"], fields["text"], user.username)
        await store.save(reply, replaces=replaces)
    except CannedInvalid as refused:
        return await _canned_page(request, str(refused), fields, 400)
    action = "canned_reply.update" if replaces else "canned_reply.create"
    details = {"title": reply.title, "characters": len(reply.text)}
    if replaces and replaces != reply.shortcut:
        details["renamed_from"] = replaces
    await services.audit(user.username, action, reply.shortcut, details)
    return RedirectResponse(f"{CANNED_PAGE}#canned-{reply.shortcut}", status_code=303)


@requires_role("agent")
async def canned_delete(request: Request) -> Response:
    """Delete a canned reply."""
    services, user, shortcut = services_of(request), _user(request), request.path_params["shortcut"]
    if not await _may_manage(services, user):
        return await _canned_page(request, wording.NOT_A_CANNED_MANAGER, None, 403)
    if not await CannedStore(services.redis, services.keys).delete(shortcut):
        return await _canned_page(request, f"shortcut: {wording.NO_CANNED_REPLY} (/{shortcut})", None, 404)
    await services.audit(user.username, "canned_reply.delete", shortcut, {})
    return RedirectResponse(CANNED_PAGE, status_code=303)


def agent_tools_routes() -> list[BaseRoute]:
    """Routes of the agent's tools (registered beside ``agent_routes`` in ``web/app.py``)."""
    base = "/api/agent/conversations/{conversation_id}"
    return [
        Route(CANNED_PAGE, canned_page, methods=["GET"]),
        Route(CANNED_PAGE, canned_save, methods=["POST"]),
        Route(CANNED_PAGE + "/{shortcut}/delete", canned_delete, methods=["POST"]),
        Route("/api/agent/canned", canned_list, methods=["GET"]),
        Route("/api/agent/colleagues", colleagues, methods=["GET"]),
        Route(f"{base}/transfer", transfer, methods=["POST"]),
        Route(f"{base}/release", release, methods=["POST"]),
        Route(f"{base}/take-back", take_back, methods=["POST"]),
        Route(f"{base}/notes", notes, methods=["GET"]),
        Route(f"{base}/notes", add_note, methods=["POST"]),
        Route(f"{base}/canned/{{shortcut}}", canned_filled, methods=["GET"]),
    ]
