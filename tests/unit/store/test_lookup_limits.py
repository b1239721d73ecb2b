"""Order lookup limits in a real Redis: per e-mail and order number, across conversations."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.errors import StoreUnavailable
from actions.keys import Keys
from actions.store.lookup_limits import LookupLimits

KEYS = Keys("t")


@pytest.fixture
async def limits(redis_client: Redis, redis_url: str) -> AsyncIterator[LookupLimits]:
    client = AsyncRedis.from_url(redis_url)
    yield LookupLimits(client, KEYS, max_failures=3, window_s=60)
    await client.aclose()


async def test_three_wrong_pairs_for_an_email_refuse_the_fourth_whatever_the_order(
    limits: LookupLimits,
) -> None:
    for guess in ("104230", "104231", "104232"):
        assert not await limits.refused(guess, "Sam@Example.com")
        await limits.record_failure(guess, "sam@example.com ")
    assert await limits.refused("104233", "sam@example.com")
    assert not await limits.refused("104233", "other@example.com")


async def test_three_wrong_emails_for_an_order_refuse_it(limits: LookupLimits) -> None:
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        await limits.record_failure("104233", email)
    assert await limits.refused("104233", "sam@example.com")


async def test_counts_expire_and_name_no_address(limits: LookupLimits, redis_client: Redis) -> None:
    await limits.record_failure("104230", "sam@example.com")
    keys = [k.decode() for k in redis_client.keys("t:limits:*")]
    assert len(keys) == 2 and not any("sam" in k or "104230" in k for k in keys)
    assert all(0 < redis_client.ttl(k) <= 60 for k in keys)


async def test_a_match_clears_the_emails_count(limits: LookupLimits) -> None:
    for guess in ("104230", "104231"):
        await limits.record_failure(guess, "sam@example.com")
    await limits.record_success("sam@example.com")
    await limits.record_failure("104232", "sam@example.com")
    assert not await limits.refused("104233", "sam@example.com")


async def test_a_dead_redis_is_a_store_error() -> None:
    client = AsyncRedis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    with pytest.raises(StoreUnavailable, match="order lookup limits"):
        await LookupLimits(client, KEYS, 3).refused("104233", "sam@example.com")
    await client.aclose()
