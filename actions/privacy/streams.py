"""The capped Redis streams: scanned in bounded batches, entries deleted by id, trimmed by age.

Every stream the project writes is capped by length when it is appended to
(``*_MAXLEN`` in ``actions/keys.py``), so a scan from the first entry to the last
reads at most that many entries (500,000 for the event stream, in batches of
``SCAN_BATCH``): long for a request, but bounded. A stream entry id is
``<milliseconds since the epoch>-<sequence>``, so ``XTRIM MINID`` with a time
removes every entry older than it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from actions.keys import Keys
from actions.redis_edge import store_call, text

SCAN_BATCH = 1000
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class StreamEntry:
    """One stream entry: its id and its fields as text."""

    entry_id: str
    fields: Mapping[str, str]

    @property
    def at_ms(self) -> int:
        """When it was appended, in Unix milliseconds (the first part of its id)."""
        return int(self.entry_id.partition("-")[0])


def age_trimmed_streams(keys: Keys) -> dict[str, str]:
    """The streams trimmed by age, by the name the command line uses for them."""
    return {
        "events": keys.events,
        "csat": keys.csat,
        "offer_events": keys.offer_events,
        "audit": keys.audit,
        "audit_anonymous": keys.audit_anonymous,
    }


async def scan_stream(redis: Redis, stream: str, batch: int = SCAN_BATCH) -> AsyncIterator[StreamEntry]:
    """Every entry of ``stream``, oldest first, read ``batch`` entries per round trip."""
    start = "-"
    while True:
        with store_call(f"read the stream {stream}", with_cause=True):
            raw = await redis.xrange(stream, min=start, max="+", count=batch)
        replies = cast(list[tuple[Any, dict[Any, Any]]], raw or [])
        for entry_id, fields in replies:
            yield StreamEntry(text(entry_id), {text(name): text(value) for name, value in fields.items()})
        if len(replies) < batch:
            return
        start = f"({text(replies[-1][0])}"


async def matching_entries(
    redis: Redis, stream: str, matches: Callable[[StreamEntry], bool], batch: int = SCAN_BATCH
) -> list[StreamEntry]:
    """The entries of ``stream`` for which ``matches`` is true, oldest first."""
    return [entry async for entry in scan_stream(redis, stream, batch) if matches(entry)]


async def delete_entries(redis: Redis, stream: str, entry_ids: Iterable[str], batch: int = SCAN_BATCH) -> int:
    """XDEL the entries by id, ``batch`` ids per call; returns how many were deleted."""
    ids = list(entry_ids)
    deleted = 0
    for first in range(0, len(ids), batch):
        with store_call(f"delete entries of the stream {stream}", with_cause=True):
            deleted += int(await redis.xdel(stream, *ids[first : first + batch]))
    return deleted


def cutoff_id(older_than_days: float, now: float | None = None) -> str:
    """The smallest stream id kept when entries older than ``older_than_days`` go."""
    if older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    now_ms = int((time.time() if now is None else now) * 1000)
    return f"{now_ms - int(older_than_days * DAY_MS)}-0"


async def trim_older_than(
    redis: Redis, streams: Mapping[str, str], older_than_days: float, now: float | None = None
) -> dict[str, int]:
    """Remove the entries older than ``older_than_days`` from each stream (exact ``XTRIM MINID``).

    Args:
        redis: the project's Redis.
        streams: name -> stream key, e.g. ``age_trimmed_streams(keys)``.
        older_than_days: the age beyond which entries go.
        now: Unix time in seconds (default: now).

    Returns:
        name -> number of entries removed.

    """
    minid = cutoff_id(older_than_days, now)
    removed: dict[str, int] = {}
    for name, stream in streams.items():
        with store_call(f"trim the stream {stream}", with_cause=True):
            removed[name] = int(await redis.xtrim(stream, minid=minid, approximate=False))
    return removed
