"""Order lookups limited per e-mail and per order number, across conversations.

A conversation's own failure count lives in a slot, so a new session or ``/restart``
would reset it and let anyone enumerate the order numbers of a known e-mail. Here
the failures are counted in Redis for ``ORDER_LOOKUP_WINDOW_S`` under hashes of the
e-mail and the order number (no address is stored in a key name); once either
reaches the limit, no pair with it is looked up until the window has passed.
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from actions.keys import ORDER_LOOKUP_WINDOW_S, Keys
from actions.redis_edge import store_call


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


class LookupLimits:
    """Counts wrong order/e-mail pairs and says when a pair may no longer be looked up."""

    def __init__(
        self, redis: Redis, keys: Keys, max_failures: int, window_s: int = ORDER_LOOKUP_WINDOW_S
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._max = max_failures
        self._window_s = window_s

    def _counters(self, order_id: str, email: str) -> list[str]:
        return [
            self._keys.order_lookup_failures(kind, _digest(value))
            for kind, value in (("email", email), ("order", order_id))
            if value
        ]

    async def refused(self, order_id: str, email: str) -> bool:
        """Whether the e-mail or the order number has had too many wrong pairs lately."""
        counters = self._counters(order_id, email)
        if not counters:
            return False
        with store_call("read the order lookup limits"):
            counts = await self._redis.mget(counters)
        return any(int(count) >= self._max for count in counts if count is not None)

    async def record_failure(self, order_id: str, email: str) -> None:
        """Count a wrong pair against both its e-mail and its order number."""
        with store_call("count a failed order lookup"):
            async with self._redis.pipeline(transaction=False) as pipe:
                for counter in self._counters(order_id, email):
                    pipe.incr(counter)
                    pipe.expire(counter, self._window_s, nx=True)
                await pipe.execute()

    async def record_success(self, email: str) -> None:
        """A matching pair: the e-mail's owner knows their orders, so its count starts afresh."""
        with store_call("reset the order lookup limit"):
            await self._redis.delete(self._keys.order_lookup_failures("email", _digest(email)))
