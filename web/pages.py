"""The web app's HTML: one Jinja environment over ``web/templates``, one set of headers on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Every response of the app carries these (``web.security.SecurityHeadersMiddleware``):
# never framed, never sniffed, no referrer beyond our origin, no powerful browser
# features, a browsing context of its own.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Our pages and APIs show per-user data, a sign-in form's token or a demo customer's signed
# token: never cached. Only what sets its own Cache-Control (the bundles) and /static differ.
NO_STORE = "no-store"
PAGE_HEADERS = {"Cache-Control": NO_STORE, **SECURITY_HEADERS}


def content_security_policy(rasa_public_url: str) -> str:
    """The Content-Security-Policy of every response.

    Our own scripts and stylesheets only (no inline script or style anywhere: the
    widget styles its shadow root with a constructed sheet, the demo store page
    links /static/store_demo.css); the widget's socket.io connection to Rasa
    (``rasa_public_url``, as http(s) and ws(s)); pictures the bot sends (any https
    URL, the widget shows them); nothing may frame us, no plugins, forms post here.
    """
    parts = urlsplit(rasa_public_url)
    rasa = f"{parts.scheme}://{parts.netloc}"
    socket = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}"
    directives = {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data: https:",
        "font-src": "'self'",
        "connect-src": f"'self' {rasa} {socket}",
        "manifest-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(rasa_public_url: str) -> dict[str, str]:
    """Every security header of a response, the CSP included."""
    return {"Content-Security-Policy": content_security_policy(rasa_public_url), **SECURITY_HEADERS}


def template_environment() -> jinja2.Environment:
    """The templates of web/templates, autoescaped and strict (built by hand so both are explicit)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


class Pages:
    """Renders templates as pages, every one with ``PAGE_HEADERS``."""

    def __init__(self, environment: jinja2.Environment | None = None) -> None:
        self._templates = Jinja2Templates(env=environment or template_environment())

    def render(
        self, request: Request, name: str, context: dict[str, Any], status_code: int = 200
    ) -> Response:
        """Render ``name`` (a console page's ``context`` holds ``user`` and ``csrf_token``)."""
        return self._templates.TemplateResponse(
            request, name, context, status_code=status_code, headers=dict(PAGE_HEADERS)
        )

    def console(self, request: Request, name: str, status_code: int = 200, **extra: Any) -> Response:
        """Render a console page for whoever AuthMiddleware found signed in (nobody: None)."""
        context = {
            "user": getattr(request.state, "user", None),
            "csrf_token": getattr(request.state, "csrf_token", None),
            **extra,
        }
        return self.render(request, name, context, status_code)
