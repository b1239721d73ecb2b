"""A throwaway key prefix in a scratch database, removed afterwards.

The evaluation never flushes the database it is given: other benchmarks may use
the same scratch database, so it writes under a prefix of its own and deletes
exactly those keys when it is done.
"""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from actions.keys import Keys


def scratch_keys(name: str) -> Keys:
    """Keys under a prefix no other run uses, e.g. ``offer-eval-3f2a9c1b``."""
    return Keys(f"{name}-{uuid.uuid4().hex[:8]}")


async def delete_scratch(redis: Redis, keys: Keys) -> int:
    """Delete every key under the scratch prefix; returns how many there were."""
    deleted = 0
    batch: list[bytes | str] = []
    async for key in redis.scan_iter(match=f"{keys.prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            deleted += await redis.delete(*batch)
            batch.clear()
    if batch:
        deleted += await redis.delete(*batch)
    return deleted
