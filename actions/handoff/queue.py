"""The handoff queue in Redis."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from actions.handoff.index import SearchDocument, customer_name, index_handoff
from actions.keys import HANDOFF_TTL_S, Keys
from actions.redis_edge import members, store_call

Priority = Literal["low", "normal", "high", "urgent"]


class HandoffRequest(BaseModel):
    """Why a conversation needs a person, in words an agent understands."""

    conversation_id: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    priority: Priority = "normal"
    requested_at: float = Field(default_factory=time.time)
    # What the agent console's queue shows without reading the whole tracker.
    segment: str | None = Field(default=None, description="segment label, e.g. 'frequent, high-value'")
    emotion: str | None = Field(default=None, description="dominant emotion at handoff time")


class HandoffQueue:
    """Puts conversations in the queue that the agent console reads."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def enqueue(self, request: HandoffRequest, document: SearchDocument | None = None) -> None:
        """Add or refresh a conversation's place in the queue (idempotent per conversation).

        ``document`` is what the agents' inbox finds it by (``actions.handoff.index``).
        """
        details = self._keys.handoff(request.conversation_id)
        document = document or SearchDocument()
        if document.name is None:
            document.name = await customer_name(self._redis, self._keys, document.customer_id)
        with store_call("queue the handoff"):
            async with self._redis.pipeline(transaction=True) as pipe:
                # NX keeps the original waiting time when a customer asks twice.
                pipe.zadd(
                    self._keys.handoff_queue,
                    {request.conversation_id: request.requested_at},
                    nx=True,
                )
                pipe.hset(details, mapping={"request": request.model_dump_json(), "status": "waiting"})
                # A new request starts afresh: an earlier takeover's claim and closing belong to the past.
                pipe.hdel(details, "claim", "closed")
                index_handoff(pipe, self._keys, request.conversation_id, request.requested_at, document)
                pipe.expire(details, HANDOFF_TTL_S)
                # Requests nobody picked up within the handoff's lifetime have lost their
                # details too: they leave the queue, which therefore stays bounded.
                pipe.zremrangebyscore(self._keys.handoff_queue, "-inf", request.requested_at - HANDOFF_TTL_S)
                await pipe.execute()

    async def waiting(self) -> list[str]:
        """Conversation ids in the queue, longest waiting first."""
        with store_call("read the handoff queue"):
            queued = await self._redis.zrange(self._keys.handoff_queue, 0, -1)
        return members(queued)
