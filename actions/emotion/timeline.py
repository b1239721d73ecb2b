"""The per-conversation emotion timeline in Redis, which the agent console shows."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import RedisError

from actions.emotion.detector import EmotionReading
from actions.errors import StoreUnavailable
from actions.keys import EMOTION_TIMELINE_MAX, EMOTION_TIMELINE_TTL_S, Keys


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
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(key, entry.model_dump_json())
                pipe.ltrim(key, -EMOTION_TIMELINE_MAX, -1)
                pipe.expire(key, EMOTION_TIMELINE_TTL_S)
                pipe.lrange(key, -recent, -1)
                *_, raw = await pipe.execute()
        except RedisError as error:
            raise StoreUnavailable("could not append to the emotion timeline") from error
        return [TimelineEntry.model_validate_json(item) for item in raw]

    async def recent(self, conversation_id: str, count: int) -> list[TimelineEntry]:
        """The newest ``count`` entries, oldest first."""
        try:
            raw = await self._redis.lrange(self._keys.emotion_timeline(conversation_id), -count, -1)
        except RedisError as error:
            raise StoreUnavailable("could not read the emotion timeline") from error
        return [TimelineEntry.model_validate_json(item) for item in raw]

    async def read(self, conversation_id: str) -> list[TimelineEntry]:
        """The whole timeline, oldest first."""
        try:
            raw = await self._redis.lrange(self._keys.emotion_timeline(conversation_id), 0, -1)
        except RedisError as error:
            raise StoreUnavailable("could not read the emotion timeline") from error
        return [TimelineEntry.model_validate_json(item) for item in raw]
