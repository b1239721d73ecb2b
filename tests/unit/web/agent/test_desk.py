"""The handoff desk against a real Redis: one owner per conversation, hand-back, closing."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from actions.emotion.detector import EmotionReading
from actions.emotion.timeline import TimelineEntry
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import HANDOFF_CLOSED_KEEP_S, Keys
from web.agent.desk import Closing, HandoffDesk

pytestmark = pytest.mark.integration
KEYS = Keys("cs")


async def _queue(redis: Redis, cid: str, priority: str = "normal", at: float | None = None) -> None:
    request = HandoffRequest(conversation_id=cid, reason="customer asked", priority=priority,
                             requested_at=at or time.time(), segment="lapsed", emotion="anger")  # fmt: skip
    await HandoffQueue(redis, KEYS).enqueue(request)


async def test_the_queue_puts_urgent_first_then_longest_waiting_with_the_emotion_trend(redis: Redis) -> None:
    now = time.time()
    await _queue(redis, "old-normal", "normal", now - 300)
    await _queue(redis, "new-urgent", "urgent", now - 10)
    await _queue(redis, "new-normal", "normal", now - 20)
    reading = EmotionReading.neutral().model_copy(update={"sentiment": -0.6, "dominant": "anger"})
    await redis.rpush(KEYS.emotion_timeline("old-normal"), TimelineEntry(reading=reading).model_dump_json())
    items = await HandoffDesk(redis, KEYS).queue(now=now)
    assert [i.conversation_id for i in items] == ["new-urgent", "old-normal", "new-normal"]
    assert items[1].waiting_s == pytest.approx(300) and items[1].sentiment_trend == [-0.6]
    assert items[1].emotion_trend == ["anger"] and items[1].segment == "lapsed"


async def test_only_one_of_two_agents_claiming_at_once_gets_the_conversation(redis: Redis) -> None:
    await _queue(redis, "c1")
    desk = HandoffDesk(redis, KEYS)
    results = await asyncio.gather(desk.claim("c1", "sam", "Sam"), desk.claim("c1", "kim", "Kim"))
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == ["claimed", "taken"]
    owner = (await desk.owner("c1")).agent
    assert all(r.claim.agent == owner for r in results)
    assert (await desk.claim("c1", owner, "again")).outcome == "claimed"  # claiming your own again is fine
    assert (await desk.claim("not-queued", "sam", "Sam")).outcome == "not_queued"


async def test_hand_back_and_close_take_the_conversation_out_of_the_queue_and_free_it(redis: Redis) -> None:
    desk = HandoffDesk(redis, KEYS)
    await _queue(redis, "back")
    await _queue(redis, "done")
    await desk.claim("back", "sam", "Sam")
    await desk.claim("done", "sam", "Sam")
    await desk.hand_back("back")
    await desk.close("done", Closing(agent="sam", note="sorted"))
    assert await desk.queued() == set()
    back, done = await desk.state("back"), await desk.state("done")
    assert (back.status, back.claim) == ("returned", None)
    assert (done.status, done.claim, done.closing.note) == ("closed", None, "sorted")
    assert await redis.zscore(KEYS.handoff_closed, "done") is not None
    # A new request later starts afresh: no closing, waiting again.
    await _queue(redis, "done")
    fresh = await desk.state("done")
    assert (fresh.status, fresh.closing) == ("waiting", None)


async def test_closings_older_than_a_conversations_lifetime_leave_the_closed_set(redis: Redis) -> None:
    desk = HandoffDesk(redis, KEYS)
    long_ago = time.time() - HANDOFF_CLOSED_KEEP_S - 60
    await redis.zadd(KEYS.handoff_closed, {"ancient": long_ago})
    await _queue(redis, "today")
    await desk.claim("today", "sam", "Sam")
    await desk.close("today", Closing(agent="sam", note="sorted"))
    assert [m.decode() for m in await redis.zrange(KEYS.handoff_closed, 0, -1)] == ["today"]
