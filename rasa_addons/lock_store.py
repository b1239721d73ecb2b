"""Rasa's Redis lock store, checking a held conversation lock every 50 ms instead of every second.

Rasa's ``LockStore.lock`` waits ``wait_time_in_seconds=1`` between attempts, so a
customer message that arrives while the previous one is still being saved waits a
whole second, even if the lock frees a few milliseconds later. With an agent on
the conversation that second is the difference between a live console and a
sluggish one (benchmarks/consoles.py). A check is one Redis GET.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

POLL_INTERVAL_S = 0.05


class PromptRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with a short wait between attempts; everything else is Rasa's."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a custom lock store from its endpoint config (endpoints.yml).
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_INTERVAL_S,
    ) -> AsyncIterator[TicketLock]:
        """Rasa's lock; Rasa's callers take the default wait, so it is polled every ``POLL_INTERVAL_S``."""
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as ticket:
            yield ticket
