"""The marketer console's two pages; their data comes from the JSON API, fetched by marketing.js."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from actions.emotion.labels import EKMAN_LABELS
from web.services import services_of


async def rules(request: Request) -> Response:
    """GET /marketing: rule list, editor, preview and versions."""
    pages = services_of(request).pages
    return pages.console(request, "marketing/rules.html", emotions=list(EKMAN_LABELS))


async def dashboard(request: Request) -> Response:
    """GET /marketing/dashboard: offers, segments, handoffs and CSAT charts."""
    return services_of(request).pages.console(request, "marketing/dashboard.html")
