"""The marketer console's two pages; their data comes from the JSON API, fetched by marketing.js."""

from __future__ import annotations

from pathlib import Path

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from actions.emotion.labels import EKMAN_LABELS

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# Our own pages are never framed, sniffed or cached (they show per-user data).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def make_templates() -> Jinja2Templates:
    """Templates of web/templates (so pages can extend console/base.html), autoescaped, strict."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


class Pages:
    """Renders the rules page and the dashboard for the signed-in user."""

    def __init__(self, templates: Jinja2Templates) -> None:
        self._templates = templates

    def _render(self, request: Request, name: str, **extra: object) -> Response:
        context = {"user": request.state.user, "csrf_token": request.state.csrf_token, **extra}
        return self._templates.TemplateResponse(request, name, context, headers=PAGE_HEADERS)

    async def rules(self, request: Request) -> Response:
        """GET /marketing: rule list, editor, preview and versions."""
        return self._render(request, "marketing/rules.html", emotions=list(EKMAN_LABELS))

    async def dashboard(self, request: Request) -> Response:
        """GET /marketing/dashboard: offers, segments, handoffs and CSAT charts."""
        return self._render(request, "marketing/dashboard.html")
