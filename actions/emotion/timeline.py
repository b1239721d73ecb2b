"""The per-conversation emotion timeline in Redis, which the agent console shows."""

from __future__ import annotations

import time
from collections.abc import Sequence

from pydantic import BaseModel, Field, ValidationError
from redis.asyncio import Redis

from actions.emotion.detector import EmotionReading
from actions.keys import EMOTION_TIMELINE_MAX, EMOTION_TIMELINE_TTL_S, Keys
from actions.redis_edge import store_call


class TimelineEntry(BaseModel):
    """One customer message's emotion (the text itself is not stored)."""

    message_id: str | None = None
    at: float = Field(default_factory=time.time)
    intent: str | None = None
    reading: EmotionReading


class EmotionTimeline:
    """Append-only list per conversation, trimmed and expiring."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def append(self, conversation_id: str, entry: TimelineEntry, recent: int) -> list[TimelineEntry]:
        """Add an entry; returns the newest ``recent`` entries, oldest first, including it."""
        key = self._keys.emotion_timeline(conversation_id)
        with store_call("append to the emotion timeline"):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(key, entry.model_dump_json())
                pipe.ltrim(key, -EMOTION_TIMELINE_MAX, -1)
                pipe.expire(key, EMOTION_TIMELINE_TTL_S)
                pipe.lrange(key, -recent, -1)
                *_, raw = await pipe.execute()
        return [TimelineEntry.model_validate_json(item) for item in raw]

    async def recent(self, conversation_id: str, count: int) -> list[TimelineEntry]:
        """The newest ``count`` entries, oldest first."""
        with store_call("read the emotion timeline"):
            raw = await self._redis.lrange(self._keys.emotion_timeline(conversation_id), -count, -1)
        return [TimelineEntry.model_validate_json(item) for item in raw]

    async def read(self, conversation_id: str) -> list[TimelineEntry]:
        """The whole timeline, oldest first."""
        with store_call("read the emotion timeline"):
            raw = await self._redis.lrange(self._keys.emotion_timeline(conversation_id), 0, -1)
        return [TimelineEntry.model_validate_json(item) for item in raw]

    async def recent_of_each(self, conversation_ids: Sequence[str], count: int) -> list[list[TimelineEntry]]:
        """The newest ``count`` entries of each conversation, oldest first, read in one round trip.

        An entry that no longer parses (written by an older version) is left out: one
        bad entry must not hide a whole queue of conversations.
        """
        with store_call("read the emotion timelines"):
            async with self._redis.pipeline(transaction=False) as pipe:
                for conversation_id in conversation_ids:
                    pipe.lrange(self._keys.emotion_timeline(conversation_id), -count, -1)
                replies = await pipe.execute()
        return [_readable(raw) for raw in replies]


def _readable(raw: list[bytes]) -> list[TimelineEntry]:
    entries = []
    for item in raw:
        try:
            entries.append(TimelineEntry.model_validate_json(item))
        except ValidationError:
            continue
    return entries
