"""``AuthMiddleware``: who is signed in, and CSRF checks on everything they change.

For every HTTP and WebSocket request it sets ``request.state.user`` (``User`` or
None), ``request.state.csrf_token`` (the session's token or None) and
``request.state.session_id``. A POST, PUT, PATCH or DELETE made
with a session must carry the session's token in ``X-CSRF-Token`` or, for HTML
forms, a ``csrf_token`` field; otherwise it is refused with 403. Requests without a
session have nothing to forge and pass on to the endpoint, whose ``requires_role``
answers 401/303. ``POST /login`` checks its own pre-session token.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from actions.errors import StoreUnavailable
from web.accounts.csrf import (
    CSRF_HEADER,
    BodyTooLarge,
    form_token,
    is_form,
    read_body,
    replaying,
    tokens_match,
)
from web.accounts.pages import LOGIN_PATH, refusal
from web.accounts.services import AccountServices

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuthMiddleware:
    """Pure ASGI middleware: session cookie -> ``request.state.user``, and CSRF checks.

    ``create_app`` adds it with ``Middleware(AuthMiddleware, accounts=services.accounts)``:
    its settings and stores come from the app's ``WebServices``, never from the environment.
    """

    def __init__(self, app: ASGIApp, accounts: AccountServices, *, login_path: str = LOGIN_PATH) -> None:
        self.app = app
        self.accounts = accounts
        self.login_path = login_path
        if accounts.settings.uses_demo_secret:
            logger.warning(
                "WEB_SECRET_KEY is not set: console cookies are signed with the published DEMO key, "
                "so anyone can forge a sign-in. Set WEB_SECRET_KEY outside a local demo."
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Identify the user, check CSRF on state-changing requests, then call the app."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state.update({"user": None, "csrf_token": None, "session_id": None})
        try:
            await self._identify(scope, state)
        except StoreUnavailable:
            logger.exception("console session lookup failed for %s", scope["path"])
            await self._refuse(
                scope, receive, send, 503, "Unavailable", "Sign-in is unavailable; try again soon."
            )
            return
        expected = state["csrf_token"]
        if (
            scope["type"] == "http"
            and scope["method"] in UNSAFE_METHODS
            and expected is not None
            and scope["path"] != self.login_path
        ):
            headers = Headers(scope=scope)
            given = headers.get(CSRF_HEADER)
            if given is None and is_form(scope):
                try:
                    body = await read_body(receive)
                except BodyTooLarge:
                    await self._refuse(scope, receive, send, 413, "Too large", "The form is too large.")
                    return
                # The endpoint reads the same form again from the buffered body.
                receive = replaying(body, receive)
                given = await form_token(scope, body)
            if not tokens_match(expected, given):
                logger.warning(
                    "CSRF token %s on %s %s by %s: refused",
                    "missing" if not given else "wrong",
                    scope["method"],
                    scope["path"],
                    state["user"].username,
                )
                await self._refuse(
                    scope,
                    receive,
                    send,
                    403,
                    "Refused",
                    "The request's CSRF token is missing or wrong; reload the page.",
                )
                return
        await self.app(scope, receive, send)

    async def _identify(self, scope: Scope, state: dict[str, Any]) -> None:
        cookie = HTTPConnection(scope).cookies.get(self.accounts.settings.session_cookie)
        if not cookie:
            return  # anonymous requests cost no Redis round trip
        sessions = self.accounts.sessions
        session_id = sessions.session_id_of(cookie)
        if session_id is None:
            return
        found = await self.accounts.signed_in(session_id)
        if found is None:
            return
        user, session = found
        state.update(user=user, csrf_token=session.csrf_token, session_id=session_id)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, title: str, message: str
    ) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1011})
            return
        response = refusal(Request(scope, receive), status, title, message)
        await response(scope, receive, send)
