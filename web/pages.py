"""The web app's HTML: one Jinja environment over ``web/templates``, one set of headers on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Our pages are never framed or sniffed, and never cached: they show per-user data, a
# sign-in form's token or a demo customer's signed token. They run only our own scripts.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


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
