"""Caps, counters and events of offers, each updated atomically by a Lua script in Redis.

An exposure checks the rule's per-customer frequency cap and global budget and,
only if both allow it, records the exposure, increments the counters and appends
the event, all in one script. Redis runs a script without interleaving other
commands, so any number of concurrent decisions, in any number of processes,
can never grant more exposures than the caps allow.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

from actions.keys import OFFER_ACCEPT_DEDUPE_TTL_S, OFFER_EVENTS_STREAM_MAXLEN, OFFER_STATS_TTL_S, Keys
from actions.offers.bandit import counter_fields, parse_stats
from actions.offers.events import OfferEvent
from actions.offers.rules import OfferRule
from actions.redis_edge import store_call, text

DAY_MS = 24 * 3600 * 1000

# KEYS: stats hash, the subject's exposure times (sorted set), event stream.
# ARGV: now ms, window ms (0: no per-customer cap), per-customer max, budget max
# (0: none), budget counter field, sorted-set member, stats TTL s, stream maxlen,
# n, n counter fields to increment, then the event's field/value pairs.
_EXPOSE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if window > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {0, 'per_customer'} end
end
local budget = tonumber(ARGV[4])
if budget > 0 and tonumber(redis.call('HGET', KEYS[1], ARGV[5]) or '0') >= budget then
  return {0, 'budget'}
end
if window > 0 then
  redis.call('ZADD', KEYS[2], now, ARGV[6])
  redis.call('PEXPIRE', KEYS[2], window)
end
local n = tonumber(ARGV[9])
for i = 10, 9 + n do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
redis.call('EXPIRE', KEYS[1], ARGV[7])
return {1, redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', unpack(ARGV, 10 + n))}
"""

# KEYS: stats hash, the conversation's acceptance marker, event stream.
# ARGV: marker TTL s, acceptance budget (0: none), stats TTL s, stream maxlen,
# n, n counter fields, then the event's field/value pairs.
_ACCEPT = """
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return {0, 'duplicate'} end
local budget = tonumber(ARGV[2])
if budget > 0 and tonumber(redis.call('HGET', KEYS[1], 'accepts') or '0') >= budget then
  redis.call('DEL', KEYS[2])
  return {0, 'budget'}
end
local n = tonumber(ARGV[5])
for i = 6, 5 + n do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, 6 + n))}
"""


@dataclass(frozen=True)
class LedgerResult:
    """Whether the step was allowed; ``reason`` says which cap refused it, ``entry_id`` names the event."""

    granted: bool
    reason: str = ""
    entry_id: str = ""


class OfferLedger:
    """Records offer events and enforces caps in Redis."""

    def __init__(self, redis: Redis, keys: Keys, events_maxlen: int = OFFER_EVENTS_STREAM_MAXLEN) -> None:
        self._redis = redis
        self._keys = keys
        self._maxlen = events_maxlen
        self._expose = redis.register_script(_EXPOSE)
        self._accept = redis.register_script(_ACCEPT)

    async def stats_of(self, rule_id: str) -> dict[str, int]:
        """Read a rule's counters (see ``actions/offers/bandit.py`` for the fields)."""
        with store_call("read the offer counters"):
            raw = await self._redis.hgetall(self._keys.offer_stats(rule_id))
        return parse_stats(raw)

    async def expose(self, rule: OfferRule, event: OfferEvent, subject: str, now_ms: int) -> LedgerResult:
        """Record an exposure (or a control hold) if the rule's caps allow one more.

        Args:
            rule: the rule whose caps apply.
            event: the ``exposure`` or ``control`` event to append.
            subject: who the per-customer cap counts (``OfferContext.subject``).
            now_ms: the decision's time, in Unix milliseconds.

        """
        per_customer, budget = rule.caps.per_customer, rule.caps.budget
        window_ms = per_customer.window_days * DAY_MS if per_customer else 0
        budget_field = "accepts" if budget and budget.counts == "acceptances" else "exposures"
        if event.type == "control":
            # A held-out customer stands for one who would have seen the offer: the
            # same caps decide, but nothing was given away, so no budget is spent.
            fields = ["control"]
        else:
            fields = counter_fields(event.variant, "exposures", event.segment or None)
        args: list[str | int] = [
            now_ms,
            window_ms,
            per_customer.max_exposures if per_customer else 0,
            budget.max if budget else 0,
            budget_field,
            f"{now_ms}-{uuid.uuid4().hex[:12]}",
            OFFER_STATS_TTL_S,
            self._maxlen,
            len(fields),
            *fields,
            *event.fields(),
        ]
        keys = [
            self._keys.offer_stats(rule.id),
            self._keys.offer_seen(rule.id, subject),
            self._keys.offer_events,
        ]
        with store_call("record the offer exposure"):
            granted, detail = await self._expose(keys=keys, args=args)
        return (
            LedgerResult(True, entry_id=text(detail)) if granted else LedgerResult(False, reason=text(detail))
        )

    async def accept(self, rule: OfferRule | None, event: OfferEvent) -> LedgerResult:
        """Record an acceptance once per rule and conversation, within an acceptance budget."""
        budget = rule.caps.budget if rule else None
        budget_max = budget.max if budget and budget.counts == "acceptances" else 0
        fields = counter_fields(event.variant, "accepts", event.segment or None)
        args: list[str | int] = [
            OFFER_ACCEPT_DEDUPE_TTL_S,
            budget_max,
            OFFER_STATS_TTL_S,
            self._maxlen,
            len(fields),
            *fields,
            *event.fields(),
        ]
        keys = [
            self._keys.offer_stats(event.rule),
            self._keys.offer_accepted(event.rule, event.conversation),
            self._keys.offer_events,
        ]
        with store_call("record the offer acceptance"):
            granted, detail = await self._accept(keys=keys, args=args)
        return (
            LedgerResult(True, entry_id=text(detail)) if granted else LedgerResult(False, reason=text(detail))
        )

    async def click(self, event: OfferEvent) -> LedgerResult:
        """Record a click on an offer (every click counts)."""
        stats_key = self._keys.offer_stats(event.rule)
        with store_call("record the offer click"):
            async with self._redis.pipeline(transaction=True) as pipe:
                for field in counter_fields(event.variant, "clicks", event.segment or None):
                    pipe.hincrby(stats_key, field, 1)
                pipe.expire(stats_key, OFFER_STATS_TTL_S)
                pipe.xadd(
                    self._keys.offer_events,
                    dict(zip(event.fields()[::2], event.fields()[1::2], strict=True)),
                    maxlen=self._maxlen,
                    approximate=True,
                )
                replies = await pipe.execute()
        return LedgerResult(True, entry_id=text(replies[-1]))
