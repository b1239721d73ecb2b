"""A tiny console app behind AuthMiddleware, wired as create_app wires it, and helpers to drive it."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, cast

from pydantic import SecretStr
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from actions.keys import Keys
from web.accounts.guards import requires_role
from web.accounts.middleware import AuthMiddleware
from web.accounts.routes import account_routes
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.services import WebServices
from web.settings import WebSettings

if TYPE_CHECKING:
    import httpx2

# Database 10 belongs to these tests alone; it is flushed before and after each test.
ACCOUNTS_REDIS_URL = os.environ.get("TEST_ACCOUNTS_REDIS_URL", "redis://127.0.0.1:6379/10")
PREFIX = "test"
PASSWORD = "correct horse battery"
# Failed and locked-out sign-ins: anyone can cause them, so they have a stream of their own.
ANONYMOUS_AUDIT = "test:audit:anonymous"
SECRET = SecretStr("test-secret-key-0123456789-abcdefghijklmnop")


def add_user(username: str, role: str, password: str = PASSWORD, name: str = "Sam Lee") -> None:
    """Create a user from a synchronous test (its own event loop and connection)."""

    async def create() -> None:
        redis = Redis.from_url(ACCOUNTS_REDIS_URL)
        try:
            await UserStore(redis, Keys(PREFIX)).create(username, name, role, password)
        finally:
            await redis.aclose()

    asyncio.run(create())


async def _me(request: Request) -> Response:
    user = request.state.user
    return JSONResponse(
        {"username": user.username, "role": user.role, "csrf_token": request.state.csrf_token}
    )


async def _offers_page(request: Request) -> Response:
    return PlainTextResponse(f"offers for {request.state.user.username}")


async def _offers_api(request: Request) -> Response:
    if request.method == "POST":
        return JSONResponse({"saved": await request.json()})
    return JSONResponse({"offers": []})


async def _note(request: Request) -> Response:
    # Reads the form again after the middleware read it for the CSRF token.
    async with request.form() as form:
        upload = form.get("file")
        body = {"note": form.get("note"), "csrf_token": form.get("csrf_token")}
        if upload is not None and not isinstance(upload, str):
            body["file"] = (await upload.read()).decode()
    return JSONResponse(body)


async def _public(request: Request) -> Response:
    return JSONResponse({"user": None if request.state.user is None else request.state.user.username})


def make_app(settings: AccountSettings, redis_url: str = ACCOUNTS_REDIS_URL) -> Starlette:
    """What create_app does: the services on app.state, AuthMiddleware with their accounts, the routes."""
    services = WebServices(
        WebSettings.model_construct(redis_url=redis_url, cs_key_prefix=PREFIX, accounts=settings)
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with services:
            yield

    routes = [
        *account_routes(),
        Route("/api/me", requires_role()(_me), methods=["GET"]),
        Route("/marketing", requires_role("marketer")(_offers_page), methods=["GET"]),
        Route("/api/offers", requires_role("marketer")(_offers_api), methods=["GET", "POST"]),
        Route("/agent/notes", requires_role("agent")(_note), methods=["POST"]),
        Route("/api/public", _public, methods=["GET", "POST"]),
    ]
    app = Starlette(
        routes=routes, middleware=[Middleware(AuthMiddleware, accounts=services.accounts)], lifespan=lifespan
    )
    app.state.services = services
    return app


_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    found = _FORM_TOKEN.search(html)
    assert found, "the page has no csrf_token field"
    return found.group(1)


def sign_in(
    client: TestClient, username: str, password: str = PASSWORD, next_path: str | None = None
) -> httpx2.Response:
    page = client.get("/login")
    assert page.status_code == 200
    data = {"username": username, "password": password, "csrf_token": form_token(page.text)}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data)


def error_text(html: str) -> str:
    found = re.search(r'role="alert">([^<]*)</div>', html)
    assert found, "the page has no alert region"
    return found.group(1)


def audit_entries(sync_redis: SyncRedis, stream: str = "test:audit") -> list[dict[str, str]]:
    """The audit stream's entries (default: the main one), oldest first, as text."""
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], sync_redis.xrange(stream))
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]
