"""Fixtures for the accounts tests: Redis database 10 (flushed), a tiny app behind AuthMiddleware."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis as SyncRedis
from starlette.testclient import TestClient

from actions.keys import Keys
from tests.unit.web.accounts.tiny_app import ACCOUNTS_REDIS_URL, PREFIX, SECRET, make_app
from web.accounts.settings import AccountSettings


@pytest.fixture
def redis_url() -> str:
    return ACCOUNTS_REDIS_URL


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
