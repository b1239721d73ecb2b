"""Async Redis on the flushed test database, and key names for offer tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from actions.keys import Keys


@pytest.fixture
async def redis(redis_client: SyncRedis, redis_url: str) -> AsyncIterator[Redis]:
    # redis_client flushes the database before and after the test.
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def keys() -> Keys:
    return Keys("test")
