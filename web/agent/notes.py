"""Private notes on a conversation: what agents tell each other, never the customer.

Notes are kept apart from the Rasa tracker (in ``keys.agent_notes``) on purpose: the
tracker is what the customer's widget replays and what a privacy export returns as the
conversation, so nothing written here can reach the customer through it. They live as
long as the conversation (``AGENT_NOTES_TTL_S``), the newest ``AGENT_NOTES_MAX`` kept.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, Field, field_validator
from redis.asyncio import Redis

from actions.keys import AGENT_NOTES_MAX, AGENT_NOTES_TTL_S, Keys
from actions.redis_edge import parse_stored, store_call

NOTE_MAX = 2000


class Note(BaseModel):
    """One private note: who wrote it, when, and what."""

    author: str = Field(description="the agent's username")
    author_name: str = Field(description="the agent's display name")
    text: str = Field(min_length=1, max_length=NOTE_MAX)
    at: float = Field(default_factory=time.time)

    @field_validator("text")
    @classmethod
    def _stripped(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        return value


class NoteBook:
    """Adds and reads the private notes of conversations."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def add(self, conversation_id: str, note: Note) -> None:
        """Append a note; the list is trimmed to the newest ``AGENT_NOTES_MAX`` and its TTL renewed."""
        key = self._keys.agent_notes(conversation_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, note.model_dump_json())
            pipe.ltrim(key, -AGENT_NOTES_MAX, -1)
            pipe.expire(key, AGENT_NOTES_TTL_S)
            with store_call("add a note"):
                await pipe.execute()

    async def read(self, conversation_id: str) -> list[Note]:
        """The conversation's notes, oldest first."""
        key = self._keys.agent_notes(conversation_id)
        with store_call("read the notes"):
            raw = await self._redis.lrange(key, 0, -1)
        return [parse_stored(Note, entry, key) for entry in raw]
