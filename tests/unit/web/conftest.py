"""Redis fixtures shared by the web app's test packages: each package names its own database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis


@pytest.fixture
def redis_url() -> str:
    """The database a package's tests flush; packages override it so that they never share one."""
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def sync_redis(redis_client: SyncRedis) -> SyncRedis:
    # The root conftest's client, on this package's database (it asks for ``redis_url``).
    return redis_client


@pytest.fixture
async def redis(sync_redis: SyncRedis, redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()
