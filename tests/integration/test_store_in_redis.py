"""The loader and the repository against a real Redis (flushed database)."""

from __future__ import annotations

from datetime import date

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.feedback.csat import CsatRecorder, CsatScore
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import HANDOFF_TTL_S, Keys
from actions.store.repository import StoreRepository
from seed.generate import StoreSize, generate
from seed.redis_loader import load_store

pytestmark = pytest.mark.integration

SMALL = StoreSize(products_per_category=3, customers=30, orders=120)


@pytest.fixture
def loaded(redis_client: Redis):  # type: ignore[no-untyped-def]
    store = generate(5, date(2026, 11, 24), SMALL)
    report = load_store(redis_client, Keys(), store, source="test")
    return store, report


async def test_order_found_only_with_its_own_email(loaded, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    store, _ = loaded
    order = store.orders[0]
    other = next(c for c in store.customers if c.email != order.email)
    async with AsyncRedis.from_url(redis_url) as client:
        repo = StoreRepository(client, Keys())
        assert await repo.find_order(order.id, order.email.upper()) == order
        assert await repo.find_order(f"#{order.id}", order.email) == order
        assert await repo.find_order(order.id, other.email) is None
        assert await repo.find_order("999999", order.email) is None
        assert len(await repo.products()) == len(store.products)
        assert (await repo.policy()).return_window_days == 30


def test_reload_keeps_version_and_drops_stale_orders(loaded, redis_client: Redis) -> None:  # type: ignore[no-untyped-def]
    store, first = loaded
    again = load_store(redis_client, Keys(), store, source="test")
    assert again.version == first.version
    smaller = generate(5, date(2026, 11, 24), StoreSize(products_per_category=3, customers=30, orders=100))
    report = load_store(redis_client, Keys(), smaller, source="test")
    assert report.version != first.version
    assert report.removed_orders == 20
    assert redis_client.scard(Keys().order_ids) == 100
    assert not redis_client.exists(Keys().order(store.orders[-1].id))


async def test_handoff_queue_keeps_the_first_request_time(redis_client: Redis, redis_url: str) -> None:
    async with AsyncRedis.from_url(redis_url) as client:
        queue = HandoffQueue(client, Keys())
        await queue.enqueue(HandoffRequest(conversation_id="a", reason="asked", requested_at=100.0))
        await queue.enqueue(HandoffRequest(conversation_id="b", reason="asked", requested_at=50.0))
        await queue.enqueue(HandoffRequest(conversation_id="a", reason="asked again", requested_at=200.0))
        assert await queue.waiting() == ["b", "a"]
        assert redis_client.zscore(Keys().handoff_queue, "a") == 100.0
        assert redis_client.ttl(Keys().handoff("a")) > 0


async def test_requests_older_than_a_handoffs_lifetime_leave_the_queue(
    redis_client: Redis, redis_url: str
) -> None:
    async with AsyncRedis.from_url(redis_url) as client:
        queue = HandoffQueue(client, Keys())
        await queue.enqueue(HandoffRequest(conversation_id="old", reason="asked", requested_at=1000.0))
        later = 1000.0 + HANDOFF_TTL_S + 1
        await queue.enqueue(HandoffRequest(conversation_id="new", reason="asked", requested_at=later))
        assert await queue.waiting() == ["new"]


async def test_csat_scores_go_to_the_stream(redis_client: Redis, redis_url: str) -> None:
    async with AsyncRedis.from_url(redis_url) as client:
        recorder = CsatRecorder(client, Keys())
        assert await recorder.record(CsatScore(conversation_id="c1", score=5))
        # A repeated rating of the same conversation counts once; another conversation counts.
        assert not await recorder.record(CsatScore(conversation_id="c1", score=1))
        assert await recorder.record(CsatScore(conversation_id="c2", score=4))
    (_, fields), (_, other) = redis_client.xrange(Keys().csat)
    assert fields[b"conversation_id"] == b"c1" and fields[b"score"] == b"5"
    assert other[b"conversation_id"] == b"c2"


async def test_emotion_timeline_returns_the_newest_entries(redis_client: Redis, redis_url: str) -> None:
    from actions.emotion.detector import EmotionReading
    from actions.emotion.timeline import EmotionTimeline, TimelineEntry

    entry = TimelineEntry(message_id="m1", reading=EmotionReading.neutral())
    async with AsyncRedis.from_url(redis_url) as client:
        timeline = EmotionTimeline(client, Keys())
        for number in range(1, 5):
            window = await timeline.append(
                "c1", entry.model_copy(update={"message_id": f"m{number}"}), recent=3
            )
        assert [e.message_id for e in window] == ["m2", "m3", "m4"]
        assert [e.message_id for e in await timeline.recent("c1", 2)] == ["m3", "m4"]
        assert len(await timeline.read("c1")) == 4
    assert 0 < redis_client.ttl(Keys().emotion_timeline("c1"))
