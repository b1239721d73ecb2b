"""Bounded stream scans, deletion by id and trimming by age."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from actions.keys import Keys
from actions.privacy.streams import (
    DAY_MS,
    age_trimmed_streams,
    cutoff_id,
    delete_entries,
    matching_entries,
    scan_stream,
    trim_older_than,
)

NOW_S = 1_800_000_000.0
NOW_MS = int(NOW_S * 1000)


async def test_a_scan_reads_every_entry_in_batches(redis: Redis) -> None:
    ids = [await redis.xadd("s", {"n": str(n)}) for n in range(10)]
    entries = [entry async for entry in scan_stream(redis, "s", batch=3)]
    assert [entry.fields["n"] for entry in entries] == [str(n) for n in range(10)]
    assert [entry.entry_id for entry in entries] == [i.decode() for i in ids]
    assert [entry async for entry in scan_stream(redis, "missing")] == []


async def test_matching_entries_are_deleted_by_id_and_the_rest_stay(redis: Redis) -> None:
    for n in range(7):
        await redis.xadd("s", {"sender_id": "mine" if n % 2 else "theirs"})
    mine = await matching_entries(redis, "s", lambda e: e.fields["sender_id"] == "mine", batch=2)
    assert len(mine) == 3
    assert await delete_entries(redis, "s", [entry.entry_id for entry in mine], batch=2) == 3
    assert {entry.fields["sender_id"] async for entry in scan_stream(redis, "s")} == {"theirs"}
    assert await delete_entries(redis, "s", []) == 0


async def test_trimming_removes_exactly_the_entries_older_than_the_age(redis: Redis, keys: Keys) -> None:
    streams = age_trimmed_streams(keys)
    assert set(streams.values()) == {
        keys.events,
        keys.csat,
        keys.offer_events,
        keys.audit,
        keys.audit_anonymous,
    }
    for stream in streams.values():
        for age_days in (40, 31, 29, 1):
            await redis.xadd(stream, {"age": str(age_days)}, id=f"{NOW_MS - age_days * DAY_MS}-0")
    removed = await trim_older_than(redis, streams, 30, now=NOW_S)
    assert removed == {"events": 2, "csat": 2, "offer_events": 2, "audit": 2, "audit_anonymous": 2}
    for stream in streams.values():
        assert [entry.fields["age"] async for entry in scan_stream(redis, stream)] == ["29", "1"]
    assert await trim_older_than(redis, {"events": keys.events}, 30, now=NOW_S) == {"events": 0}


def test_the_cutoff_is_a_stream_id_in_milliseconds() -> None:
    assert cutoff_id(1, now=NOW_S) == f"{NOW_MS - DAY_MS}-0"
    assert cutoff_id(0.5, now=NOW_S) == f"{NOW_MS - DAY_MS // 2}-0"
    with pytest.raises(ValueError, match="negative"):
        cutoff_id(-1)
