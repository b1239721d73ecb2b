"""Fixtures for the accounts tests: Redis database 10 (flushed), a tiny app behind AuthMiddleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from actions.keys import Keys
from tests.unit.web.accounts.tiny_app import ACCOUNTS_REDIS_URL, PREFIX, SECRET, make_app
from web.accounts.settings import AccountSettings


@pytest.fixture
def sync_redis() -> Iterator[SyncRedis]:
    client = SyncRedis.from_url(ACCOUNTS_REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
async def redis(sync_redis: SyncRedis) -> AsyncIterator[Redis]:
    client = Redis.from_url(ACCOUNTS_REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
def keys() -> Keys:
    return Keys(PREFIX)


@pytest.fixture
def settings() -> AccountSettings:
    return AccountSettings(web_secret_key=SECRET)


@pytest.fixture
def client(sync_redis: SyncRedis, settings: AccountSettings) -> Iterator[TestClient]:
    with TestClient(make_app(settings), follow_redirects=False) as test_client:
        yield test_client
