"""Records CSAT scores in a Redis stream that dashboards read."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from actions.keys import CSAT_ONCE_PER_S, CSAT_STREAM_MAXLEN, Keys
from actions.redis_edge import store_call


class CsatScore(BaseModel):
    """One customer's rating of a conversation."""

    conversation_id: str = Field(min_length=1)
    score: int = Field(ge=1, le=5)
    at: float = Field(default_factory=time.time)


class CsatRecorder:
    """Appends scores to the ``csat`` stream."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def record(self, score: CsatScore) -> bool:
        """Append one score unless the conversation was counted lately; whether it was counted.

        A repeated rating (a resent ``/rate``, a script) must not weigh a conversation twice.
        The stream is trimmed to the newest entries.
        """
        fields: dict[FieldT, EncodableT] = {
            "conversation_id": score.conversation_id,
            "score": score.score,
            "at": score.at,
        }
        with store_call("record the CSAT score"):
            first = await self._redis.set(
                self._keys.csat_rated(score.conversation_id), score.score, nx=True, ex=CSAT_ONCE_PER_S
            )
            if not first:
                return False
            await self._redis.xadd(self._keys.csat, fields, maxlen=CSAT_STREAM_MAXLEN, approximate=True)
        return True
