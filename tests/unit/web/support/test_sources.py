"""The stream reader returns only the entries the measures need, across chunks."""

from __future__ import annotations

from redis.asyncio import Redis

from actions.keys import Keys
from web.support.sources import Once, audit_events, pick_entries, ratings


async def _log(redis: Redis, keys: Keys, at: int, actor: str, action: str, target: str) -> None:
    fields = {"actor": actor, "action": action, "target": target, "details": "{}", "at": str(at)}
    await redis.xadd(keys.audit, fields, id=f"{at * 1000}-0")  # type: ignore[arg-type]


async def test_only_the_first_reply_after_each_claim_is_read(redis: Redis) -> None:
    keys = Keys("src")
    for at, actor, action, target in [
        (100, "sam", "handoff.claim", "a"),
        (110, "sam", "conversation.reply", "a"),
        (120, "sam", "conversation.reply", "a"),
        (125, "sam", "conversation.read", "a"),
        (130, "kim", "conversation.reply", "b"),
        (140, "sam", "handoff.close", "a"),
        (150, "kim", "handoff.claim", "a"),
        (160, "kim", "conversation.reply", "a"),
        (170, "kim", "conversation.reply", "a"),
    ]:
        await _log(redis, keys, at, actor, action, target)
    events = await audit_events(redis, keys, 0, 10**6)
    assert [(e.at, e.action, e.conversation_id) for e in events] == [
        (100, "handoff.claim", "a"),
        (110, "conversation.reply", "a"),
        (130, "conversation.reply", "b"),
        (140, "handoff.close", "a"),
        (150, "handoff.claim", "a"),
        (160, "conversation.reply", "a"),
    ]
    # Read two entries at a time, every entry is still seen once (a repeat may pass at a chunk's start).
    rows = await pick_entries(
        redis, keys.audit, 0, 10**6, ("at",), where=("action", ("handoff.claim",)), chunk=2
    )
    assert [row[1] for row in rows] == ["100", "150"]
    once = Once("conversation.reply", "target", "handoff.claim")
    rows = await pick_entries(
        redis, keys.audit, 110_000, 160_001, ("at",), where=("action", ("conversation.reply",)), once=once
    )
    assert [row[1] for row in rows] == ["110", "130", "160"]


async def test_malformed_ratings_are_skipped(redis: Redis) -> None:
    keys = Keys("src")
    await redis.xadd(keys.csat, {"conversation_id": "a", "score": 4, "at": 100.5}, id="100500-0")
    await redis.xadd(keys.csat, {"conversation_id": "b", "score": 9, "at": 101}, id="101000-0")
    await redis.xadd(keys.csat, {"conversation_id": "c", "score": 3}, id="102000-0")
    found = await ratings(redis, keys, 0, 200_000)
    assert [(r.conversation_id, r.score, r.at) for r in found] == [("a", 4, 100.5)]
