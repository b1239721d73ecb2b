"""CSRF tokens: reading them from a request without consuming its body, and the sign-in form's token.

Signed-in requests carry the session's token in an ``X-CSRF-Token`` header (scripts)
or a ``csrf_token`` form field (plain HTML forms). Reading a form in middleware
consumes the ASGI body, so the body is buffered and replayed to the endpoint.

The sign-in form has no session yet: it uses a signed double-submit cookie whose
token must come back in the form (``LoginFormTokens``).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Final

from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope

from actions.errors import AssistantError
from web.accounts.sessions import new_token
from web.accounts.settings import AccountSettings

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Console forms are small; rule files uploaded as forms stay far below this.
MAX_FORM_BYTES = 5 * 1024 * 1024
LOGIN_FORM_SALT = "brightcart.console.login-form"
# How long a sign-in page may sit open before its form must be reloaded.
LOGIN_FORM_MAX_AGE_S = 2 * 3600
# Only our own sign-in form ever sends it back.
LOGIN_FORM_SAMESITE: Final = "strict"


class BodyTooLarge(AssistantError):
    """A form body is larger than ``MAX_FORM_BYTES``."""


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def is_form(scope: Scope) -> bool:
    """Whether the request body is an HTML form (urlencoded or multipart)."""
    content_type = Headers(scope=scope).get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower() in FORM_TYPES


async def read_body(receive: Receive, limit: int = MAX_FORM_BYTES) -> bytes:
    """Read the whole request body.

    Raises:
        BodyTooLarge: more than ``limit`` bytes arrived.

    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"form body larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """Return a ``receive`` that hands out ``body`` once, then defers to the real one (for disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def form_token(scope: Scope, body: bytes) -> str | None:
    """Return the ``csrf_token`` field of a buffered form body; None if absent or unparsable."""

    async def no_more() -> Message:
        return {"type": "http.disconnect"}

    form_scope = {**scope, "state": {}}
    request = Request(form_scope, replaying(body, no_more))
    try:
        async with request.form() as form:
            value = form.get(CSRF_FIELD)
    except (HTTPException, MultiPartException, ValueError):
        return None
    return value if isinstance(value, str) else None


class LoginFormTokens:
    """The sign-in form's double-submit token: a random value both in a signed cookie and in the form."""

    def __init__(self, settings: AccountSettings) -> None:
        self._settings = settings
        self._signer = TimestampSigner(settings.web_secret_key.get_secret_value(), salt=LOGIN_FORM_SALT)

    @staticmethod
    def new() -> str:
        """Make a fresh token for one sign-in form."""
        return new_token()

    def set_cookie(self, response: Response, token: str) -> None:
        """Put ``token`` (the one rendered into the form) into the signed form cookie on ``response``."""
        response.set_cookie(
            self._settings.login_csrf_cookie,
            self._signer.sign(token).decode("ascii"),
            max_age=LOGIN_FORM_MAX_AGE_S,
            **self._settings.cookie_flags(LOGIN_FORM_SAMESITE),
        )

    def check(self, cookie: str | None, submitted: str | None) -> bool:
        """Whether the form's token matches the one in the (signed, recent) cookie."""
        if not cookie:
            return False
        try:
            expected = self._signer.unsign(cookie, max_age=LOGIN_FORM_MAX_AGE_S).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return False
        return tokens_match(expected, submitted)

    def clear(self, response: Response) -> None:
        """Drop the form cookie once signed in."""
        flags = self._settings.cookie_flags(LOGIN_FORM_SAMESITE)
        response.delete_cookie(self._settings.login_csrf_cookie, **flags)
