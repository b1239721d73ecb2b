"""Rasa's Redis lock store, made safe across processes and checked every 50 ms instead of every second.

Safe across processes: Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket queue
as one JSON value and changes it with GET ... SET from Python (issuing a ticket, pruning
expired ones while waiting, finishing and deleting). Two Sanic workers or two Rasa replicas
doing that at once overwrite each other: two turns of one conversation get the same ticket
and run together (one turn's user event is lost when the other saves the tracker), a
finished ticket is written back and blocks the conversation until it expires, or the lock
is deleted under a waiting turn. Here each of those steps is one Lua script that Redis runs
atomically; the stored value keeps Rasa's format, so Rasa's own reads are unchanged
(tests/integration/test_scale_out.py sends bursts to one conversation through two replicas).

Every 50 ms: Rasa's ``LockStore.lock`` waits ``wait_time_in_seconds=1`` between attempts, so
a customer message that arrives while the previous one is still being saved waits a whole
second, even if the lock frees a few milliseconds later. With an agent on the conversation
that second is the difference between a live console and a sluggish one
(benchmarks/consoles.py). A check is one Redis GET.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

POLL_INTERVAL_S = 0.05

# KEYS[1] the lock; ARGV conversation id, now, lifetime. Drops expired tickets, appends one
# numbered after the last kept (0 for an empty queue, as Rasa does) and returns its number.
_ISSUE_TICKET = """
local raw = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[2])
local kept, last = {}, -1
if raw then
  for _, text in ipairs(cjson.decode(raw)['tickets'] or {}) do
    local ticket = cjson.decode(text)
    if ticket['expires'] >= now then
      table.insert(kept, text)
      last = ticket['number']
    end
  end
end
local number = last + 1
table.insert(kept, cjson.encode({number = number, expires = now + tonumber(ARGV[3])}))
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[1], tickets = kept}))
return number
"""

# KEYS[1] the lock; ARGV conversation id, now, the finished ticket's number (-1: none).
# Drops expired tickets and the finished one; deletes the lock when none is left.
_PRUNE_TICKETS = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local now, done = tonumber(ARGV[2]), tonumber(ARGV[3])
local kept = {}
for _, text in ipairs(cjson.decode(raw)['tickets'] or {}) do
  local ticket = cjson.decode(text)
  if ticket['expires'] >= now and ticket['number'] ~= done then
    table.insert(kept, text)
  end
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[1], tickets = kept}))
end
return #kept
"""
NO_TICKET = -1


class PromptRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket queue changes only inside Redis, polled every 50 ms."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a custom lock store from its endpoint config (endpoints.yml).
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)
        self._issue = self.red.register_script(_ISSUE_TICKET)
        self._prune = self.red.register_script(_PRUNE_TICKETS)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket for ``conversation_id``'s queue, numbered after the last one, atomically."""
        try:
            number = self._issue(
                keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), lock_lifetime]
            )
        except Exception as error:  # Rasa's contract: any failure here is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return int(number)

    def update_lock(self, conversation_id: str) -> None:
        """Drop the queue's expired tickets (a waiter does this between checks)."""
        self._prune(keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), NO_TICKET])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish ``ticket_number``; the lock goes when no one else waits."""
        self._prune(
            keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), ticket_number]
        )

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
