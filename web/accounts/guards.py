"""``requires_role``: who may reach an endpoint."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from web.accounts.models import ROLES, Role, User
from web.accounts.pages import LOGIN_PATH, is_api_path, refusal

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]

# Who may read a customer's conversation (the agent console's conversation view); admin too,
# as admin passes every check. Pages that link to a conversation ask ``has_role`` with these.
CONVERSATION_READERS: tuple[Role, ...] = ("agent",)


def has_role(user: User | None, *roles: Role) -> bool:
    """Whether ``user`` passes a ``requires_role(*roles)`` check (signed in; admin passes every one)."""
    if user is None:
        return False
    return not roles or user.role == "admin" or user.role in roles


def requires_role(*roles: Role) -> Callable[[Endpoint], Endpoint]:
    """Let only signed-in users with one of ``roles`` through; ``admin`` passes every check.

    With no roles, any signed-in user passes. Not signed in: 401 JSON
    ``{"error": "sign in required"}`` under ``/api/``, else a 303 to
    ``/login?next=<path>``. Wrong role: 403 (JSON under ``/api/``, else a small page).
    Needs ``AuthMiddleware`` in front, which sets ``request.state.user``.

    Raises:
        ValueError: a role is not one of agent, marketer, admin (at decoration time).

    """
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; roles are {', '.join(ROLES)}")
    allowed = frozenset(roles)

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user: User | None = getattr(request.state, "user", None)
            if user is None:
                return _sign_in_first(request)
            if not has_role(user, *allowed):
                logger.warning(
                    "console user %s (%s) refused %s %s",
                    user.username,
                    user.role,
                    request.method,
                    request.url.path,
                )
                return refusal(
                    request,
                    403,
                    "Not allowed",
                    f"Your role ({user.role}) cannot use this page; it needs {' or '.join(sorted(allowed))}.",
                )
            return await endpoint(request)

        return guarded

    return decorate


def _sign_in_first(request: Request) -> Response:
    if is_api_path(request.url.path):
        return JSONResponse({"error": "sign in required"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{LOGIN_PATH}?{urlencode({'next': target})}", status_code=303)
