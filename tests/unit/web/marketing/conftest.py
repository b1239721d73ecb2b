"""Fixtures of the marketer console tests: Redis database 11 (flushed), the tiny app and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from actions.keys import Keys
from tests.unit.web.marketing.tiny_app import MARKETING_REDIS_URL, PREFIX, SignedIn, make_app
from web.accounts.models import User


@pytest.fixture
def redis_url() -> str:
    return MARKETING_REDIS_URL


@pytest.fixture
def keys() -> Keys:
    return Keys(PREFIX)


@pytest.fixture
def signed_in() -> SignedIn:
    return SignedIn(User(username="mia", display_name="Mia Marketer", role="marketer"))


@pytest.fixture
async def client(redis: Redis, keys: Keys, signed_in: SignedIn) -> AsyncIterator[httpx.AsyncClient]:
    # The ASGI transport runs the app in the test's own event loop, where the async Redis client lives.
    transport = httpx.ASGITransport(app=make_app(redis, keys, signed_in))
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as http:
        yield http
