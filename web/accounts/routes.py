"""``GET/POST /login`` and ``POST /logout``.

A failed sign-in says the same thing whether the username exists or not. Each
success starts a new session (any session the browser had is ended first, so a
planted session id is useless) and goes to ``next`` if it is a local path.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from actions.errors import StoreUnavailable
from web.accounts.csrf import CSRF_FIELD
from web.accounts.models import Role
from web.accounts.pages import LOGIN_PATH
from web.services import WebServices, services_of

logger = logging.getLogger(__name__)

# Where a user lands after signing in when no (safe) ``next`` was given.
HOME_BY_ROLE: dict[Role, str] = {"agent": "/agent", "marketer": "/marketing", "admin": "/console"}
BAD_CREDENTIALS = "Wrong username or password."
UNAVAILABLE = "Signing in is not possible right now. Please try again in a minute."
FORM_EXPIRED = "This sign-in form has expired. Please try again."
MAX_NEXT_LENGTH = 2000
# Kept in the audit log; long enough for any real username, short enough that a
# password typed into the wrong box is not kept whole.
AUDITED_NAME_LENGTH = 40


def account_routes() -> list[BaseRoute]:
    """Return the sign-in and sign-out routes (they need ``AuthMiddleware`` in front)."""
    return [
        Route(LOGIN_PATH, login_page, methods=["GET"], name="login"),
        Route(LOGIN_PATH, login_submit, methods=["POST"], name="login_submit"),
        Route("/logout", logout, methods=["POST"], name="logout"),
    ]


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path on this site, else None: no ``//host``, schemes, backslashes or controls."""
    if not value or len(value) > MAX_NEXT_LENGTH or not value.startswith("/") or value.startswith("//"):
        return None
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil.com" or
    # "/\t/evil.com" would leave the site.
    if "\\" in value or any(ord(char) < 0x21 or ord(char) == 0x7F for char in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


async def login_page(request: Request) -> Response:
    """Show the sign-in form, with a fresh double-submit token."""
    return _form(request, services_of(request), next_path=safe_next(request.query_params.get("next")))


async def login_submit(request: Request) -> Response:
    """Check the form token, the limits and the password; on success start a session."""
    services = services_of(request)
    try:
        return await _sign_in(request, services)
    except StoreUnavailable:
        logger.exception("sign-in failed: Redis did not answer")
        return _form(request, services, None, "", UNAVAILABLE, 503)


async def _sign_in(request: Request, services: WebServices) -> Response:
    async with request.form() as form:
        fields = {name: form.get(name) for name in ("username", "password", CSRF_FIELD, "next")}
    username, password, token, next_raw = (
        value if isinstance(value, str) else "" for value in fields.values()
    )
    username = username.strip().lower()
    next_path = safe_next(next_raw)
    accounts = services.accounts
    cookie = request.cookies.get(accounts.settings.login_csrf_cookie)
    if not accounts.login_forms.check(cookie, token):
        logger.warning("sign-in form from %s without a valid form token", _address(request))
        return _form(request, services, next_path, username, FORM_EXPIRED, 403)

    address = _address(request)
    limiter = accounts.limiter
    # Counted before the password is checked: parallel attempts cannot slip past the limit.
    wait_s = await limiter.attempt(username, address)
    if wait_s is not None:
        logger.warning(
            "sign-in as %s from %s refused: too many failures", username[:AUDITED_NAME_LENGTH], address
        )
        await _audit_anonymous(
            services, username, "auth.sign_in_locked", {"address": address, "retry_after_s": wait_s}
        )
        minutes = -(-wait_s // 60)
        message = f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        response = _form(request, services, next_path, username, message, 429)
        response.headers["Retry-After"] = str(wait_s)
        return response

    user = await accounts.users.authenticate(username, password)
    if user is None:
        logger.warning("sign-in as %s from %s failed", username[:AUDITED_NAME_LENGTH], address)
        await _audit_anonymous(services, username, "auth.sign_in_failed", {"address": address})
        return _form(request, services, next_path, username, BAD_CREDENTIALS, 400)

    await limiter.succeeded(username, address)
    sessions = accounts.sessions
    if request.state.session_id:
        await sessions.delete(request.state.session_id)
    session_id, _ = await sessions.create(user)
    logger.info("console user %s signed in from %s", user.username, address)
    await _audit(services, user.username, "auth.sign_in", {"address": address, "role": user.role})
    response = RedirectResponse(next_path or HOME_BY_ROLE[user.role], status_code=303)
    sessions.set_cookie(response, session_id)
    accounts.login_forms.clear(response)
    return response


async def logout(request: Request) -> Response:
    """End the session on the server, drop the cookie, go to the sign-in page."""
    services = services_of(request)
    sessions = services.accounts.sessions
    user = request.state.user
    if request.state.session_id:
        await sessions.delete(request.state.session_id)
    if user is not None:
        logger.info("console user %s signed out", user.username)
        await _audit(services, user.username, "auth.sign_out", {"address": _address(request)})
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    sessions.clear_cookie(response)
    return response


def _form(
    request: Request,
    services: WebServices,
    next_path: str | None,
    username: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    forms = services.accounts.login_forms
    token = forms.new()
    context = {
        "user": None,
        "csrf_token": token,
        "next": next_path or "",
        "username": username[:AUDITED_NAME_LENGTH],
        "error": error,
    }
    response = services.pages.render(request, "accounts/login.html", context, status_code)
    forms.set_cookie(response, token)
    return response


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _audit(services: WebServices, username: str, action: str, details: dict[str, object]) -> None:
    name = username[:AUDITED_NAME_LENGTH]
    await services.audit(name or "(empty)", action, "console", details)


async def _audit_anonymous(
    services: WebServices, username: str, action: str, details: dict[str, object]
) -> None:
    # Anyone can cause these without signing in: their own stream, so they never flush the log.
    name = username[:AUDITED_NAME_LENGTH]
    await services.audit(name or "(empty)", action, "console", details, anonymous=True)
