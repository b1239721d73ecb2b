"""A tiny Starlette app serving only the marketer routes, with a signed-in user set by a test middleware."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from actions.keys import Keys
from web.accounts.models import User
from web.marketing import marketing_routes
from web.services import WebServices
from web.settings import WebSettings

# Database 11 is the marketer console tests' own; it is flushed before and after each test.
MARKETING_REDIS_URL = os.environ.get("TEST_MARKETING_REDIS_URL", "redis://127.0.0.1:6379/11")
PREFIX = "mkt"
CSRF = "csrf-token-for-tests"


@dataclass
class SignedIn:
    """Who the fake middleware signs in; tests change it (None: nobody)."""

    user: User | None = None


class FakeSignIn:
    """Stands in for AuthMiddleware: sets request.state.user and csrf_token, checks nothing."""

    def __init__(self, app: ASGIApp, signed_in: SignedIn) -> None:
        self.app = app
        self.signed_in = signed_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state = scope.setdefault("state", {})
            state["user"] = self.signed_in.user
            state["csrf_token"] = CSRF if self.signed_in.user else None
        await self.app(scope, receive, send)


class TestServices(WebServices):
    """The app's services on the test's own Redis client (it lives in the test's event loop)."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        super().__init__(WebSettings.model_construct(cs_key_prefix=keys.prefix))
        self._test_redis = redis

    @cached_property
    def redis(self) -> Redis:
        return self._test_redis


def make_app(redis: Redis, keys: Keys, signed_in: SignedIn) -> Starlette:
    app = Starlette(routes=marketing_routes())
    app.state.services = TestServices(redis, keys)
    app.add_middleware(FakeSignIn, signed_in=signed_in)
    return app
