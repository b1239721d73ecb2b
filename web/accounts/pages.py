"""Refusals of the accounts package: JSON under the API, a small console page elsewhere."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from web.services import services_of

# The sign-in page; guards send signed-out visitors here.
LOGIN_PATH = "/login"


def error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    """Render a small console page explaining why a request was refused."""
    pages = services_of(request).pages
    return pages.console(request, "accounts/error.html", status_code, title=title, message=message)


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the JSON API (answered with JSON, never with pages or redirects)."""
    return path.startswith("/api/")


def refusal(request: Request, status_code: int, title: str, message: str) -> Response:
    """Refuse: ``{"error": message}`` under /api/, a small page elsewhere."""
    if is_api_path(request.url.path):
        return JSONResponse({"error": message}, status_code=status_code)
    return error_page(request, status_code, title, message)
