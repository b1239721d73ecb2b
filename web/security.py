"""Security headers on every response, and a cap on every request body (two pure ASGI middlewares).

``SecurityHeadersMiddleware`` adds ``web.pages.security_headers`` (the CSP and the other
headers) to every HTTP response: pages, JSON, server-sent events, redirects, errors
and refusals of the other middlewares. ``Cache-Control: no-store`` is added to every
response that does not set its own Cache-Control (the bundles do), except the
stylesheets under ``/static``.

``BodyLimitMiddleware`` refuses a request body larger than ``MAX_BODY_BYTES`` (64 KiB;
``LARGER_BODIES`` names the few paths that take more): a ``Content-Length`` over the
cap gets 413 at once, without reading; a body without one (chunked) is counted as
the endpoint reads it and refused with 413 as soon as it passes the cap. The answer
is ``{"error": ...}`` JSON under ``/api/``, a small page elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actions.errors import AssistantError
from web.accounts.pages import refusal
from web.pages import NO_STORE

logger = logging.getLogger(__name__)

# No console form or API call comes near it: a sign-in form is under 1 KiB, a reply 2,000 characters.
MAX_BODY_BYTES = 64 * 1024
# Path prefix -> its cap. A whole offer rule as YAML text may be 100,000 characters
# (web.marketing.payloads.MAX_RULE_TEXT), up to 4 bytes each in UTF-8 JSON.
LARGER_BODIES: Mapping[str, int] = {"/api/marketing/": 512 * 1024}
# Stylesheets may be cached by the browser; everything else says no-store unless it says otherwise.
CACHEABLE_PREFIXES = ("/static/",)


class SecurityHeadersMiddleware:
    """Adds ``headers`` to every HTTP response (a header the response set itself is kept)."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the app; add the headers to its response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope["path"]).startswith(CACHEABLE_PREFIXES)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if not cacheable:
                    headers.setdefault("Cache-Control", NO_STORE)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's own 500 page is sent outside every middleware: send ours, with the
            # headers, then let the error go on to be logged (the outer one sees a response started).
            if not started:
                await PlainTextResponse("Internal Server Error", 500)(scope, receive, send_with_headers)
            raise


class BodyTooLarge(AssistantError):
    """A request body passed its cap while it was read."""


def body_cap(path: str) -> int:
    """The largest body a request to ``path`` may send, in bytes."""
    for prefix, cap in LARGER_BODIES.items():
        if path.startswith(prefix):
            return cap
    return MAX_BODY_BYTES


class BodyLimitMiddleware:
    """Refuses request bodies over their cap with 413 (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a declared oversize body at once; count an undeclared one while it is read."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = body_cap(str(scope["path"]))
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await self._refuse(scope, receive, send, cap)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge(f"request body over {cap} bytes")
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:  # too late for a status: the connection just ends
                raise
            await self._refuse(scope, receive, send, cap)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        logger.warning("%s %s: request body over %d bytes refused", scope["method"], scope["path"], cap)
        message = f"The request is too large (at most {cap // 1024} KB)."
        response = refusal(Request(scope, receive), 413, "Too large", message)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
