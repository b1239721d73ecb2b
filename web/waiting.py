"""The widget's waiting banner: its customer's place in the queue, the expected wait, an e-mail box.

| method | path | body | answer |
|---|---|---|---|
| POST | ``/api/widget/waiting`` | ``{session_id, ticket}`` | ``WaitingStatus`` and ``refresh_s`` |
| POST | ``/api/widget/contact-email`` | ``{session_id, ticket, email}`` | ``{contact_email}`` (masked) |

No console session: the widget proves its conversation with the ticket the Rasa server
issued for it (``rasa_addons/conversation_ids.py``: ``<expiry>.<HMAC-SHA256(secret,
"<id>.<expiry>")>``, checked here with the same ``CONVERSATION_SECRET``; the web app's image
does not hold ``rasa_addons``). Without a valid ticket the answer is 403 and nothing is read,
so one customer never learns anything of another's conversation. A store's pages may be on
another origin than this app: the answers allow any origin, and no cookie is read or set
(the widget sends none), so no signed-in session can be ridden.

Each check-in is also the customer's presence (``actions/handoff/board.py``); the widget asks
again after ``refresh_s``, a third of ``HANDOFF_GONE_AFTER_S`` (at most 15 s), so a customer
who is there is never taken for gone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from pydantic import BaseModel, EmailStr, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from actions.errors import StoreUnavailable
from actions.handoff.board import WaitingBoard, mask_email
from actions.handoff.wording import EMAIL_INVALID, NOT_WAITING
from web.settings import WebSettings

logger = logging.getLogger(__name__)

MAX_REFRESH_S = 15.0
MIN_REFRESH_S = 1.0
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


class Proof(BaseModel):
    """The widget's conversation and the ticket Rasa issued for it."""

    session_id: str = Field(min_length=1, max_length=64)
    ticket: str = Field(min_length=1, max_length=128)


class ContactEmail(Proof):
    """An e-mail address for a reply out of hours."""

    email: EmailStr = Field(max_length=254)


def ticket_valid(secret: str, conversation_id: str, ticket: str, now: float) -> bool:
    """Whether ``ticket`` was issued by Rasa for ``conversation_id`` and has not expired."""
    if not (conversation_id.isascii() and ticket.isascii()):
        return False
    expiry_text, _, signature = ticket.partition(".")
    if not expiry_text.isdigit():
        return False
    message = f"{conversation_id}.{int(expiry_text)}".encode()
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode()) and int(expiry_text) > now


def refresh_after(settings: WebSettings) -> float:
    """How soon the widget checks in again: well inside the time after which a customer has gone."""
    return max(MIN_REFRESH_S, min(MAX_REFRESH_S, settings.handoff_gone_after_s / 3))


def _answer(body: dict[str, object], status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, headers=_CORS)


def waiting_routes(settings: WebSettings, board: WaitingBoard) -> list[BaseRoute]:
    """The waiting banner's two endpoints (and their CORS preflight)."""
    secret = settings.conversation_secret.get_secret_value()

    async def proven(request: Request, model: type[Proof]) -> Proof | JSONResponse:
        try:
            body = model.model_validate_json(await request.body())
        except ValidationError as error:
            field = ".".join(str(part) for part in error.errors()[0]["loc"]) or "body"
            message = EMAIL_INVALID if field == "email" else f"{field}: missing or invalid"
            return _answer({"error": message}, 400)
        if not ticket_valid(secret, body.session_id, body.ticket, time.time()):
            return _answer({"error": "ticket: not valid for this conversation"}, 403)
        return body

    async def waiting(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=_CORS)
        body = await proven(request, Proof)
        if isinstance(body, JSONResponse):
            return body
        try:
            status = await board.check_in(body.session_id)
        except StoreUnavailable:
            logger.exception("waiting banner unavailable for sender_id=%s", body.session_id)
            return _answer({"error": "unavailable"}, 503)
        return _answer({**status.model_dump(), "refresh_s": refresh_after(settings)})

    async def contact_email(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=_CORS)
        body = await proven(request, ContactEmail)
        if isinstance(body, JSONResponse):
            return body
        assert isinstance(body, ContactEmail)
        address = str(body.email).lower()
        try:
            saved = await board.save_email(body.session_id, address)
        except StoreUnavailable:
            logger.exception("contact e-mail not saved for sender_id=%s", body.session_id)
            return _answer({"error": "unavailable"}, 503)
        if not saved:
            return _answer({"error": NOT_WAITING}, 409)
        # The address itself never reaches a log line (and the log filter would mask it anyway).
        logger.info("contact e-mail kept for a reply out of hours, sender_id=%s", body.session_id)
        return _answer({"contact_email": mask_email(address)})

    return [
        Route("/api/widget/waiting", waiting, methods=["POST", "OPTIONS"]),
        Route("/api/widget/contact-email", contact_email, methods=["POST", "OPTIONS"]),
    ]
