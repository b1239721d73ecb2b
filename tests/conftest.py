"""Shared test fixtures: a real Redis on a dedicated, flushed database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from redis import Redis

# Database 15 is ours alone during tests; `make run` uses database 0.
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--redis-url",
        default=os.environ.get("TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL),
        help="Redis for integration tests; its database is flushed before and after each test",
    )


# The fixtures that hand a test a live Redis; every test using one is marked `redis`.
REDIS_FIXTURES = frozenset({"redis_url", "redis_client", "sync_redis", "redis", "async_redis"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if REDIS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.redis)


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--redis-url"))


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
