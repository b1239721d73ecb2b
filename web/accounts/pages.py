"""HTML pages of the accounts package: the sign-in form and small error pages."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.templating import Jinja2Templates

# The sign-in page; guards send signed-out visitors here.
LOGIN_PATH = "/login"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# Our pages are never framed or sniffed, and sign-in pages are never cached.
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def templates() -> Jinja2Templates:
    """Build the template environment on first use (explicit autoescape, strict undefined)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render ``name`` with ``context`` (which must hold ``user`` and ``csrf_token`` for the base layout)."""
    return templates().TemplateResponse(
        request, name, context, status_code=status_code, headers=dict(PAGE_HEADERS)
    )


def error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    """Render a small console page explaining why a request was refused."""
    state = request.state
    context = {
        "user": getattr(state, "user", None),
        "csrf_token": getattr(state, "csrf_token", None),
        "title": title,
        "message": message,
    }
    return render(request, "accounts/error.html", context, status_code)


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the JSON API (answered with JSON, never with pages or redirects)."""
    return path.startswith("/api/")


def refusal(request: Request, status_code: int, title: str, message: str) -> Response:
    """Refuse: ``{"error": message}`` under /api/, a small page elsewhere."""
    if is_api_path(request.url.path):
        return JSONResponse({"error": message}, status_code=status_code)
    return error_page(request, status_code, title, message)
