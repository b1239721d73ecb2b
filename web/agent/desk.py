"""The handoff desk in Redis: who waits, who owns a conversation, hand-back and closing.

The action server queues a handoff (``actions.handoff.queue``); the console claims,
returns and closes it here. A conversation's hash keeps its latest request, its
claim and its closing, so that analytics can count handoffs by reason afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Literal, cast, get_args

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from actions.emotion.timeline import EmotionTimeline
from actions.handoff.queue import HandoffRequest
from actions.keys import HANDOFF_CLOSED_KEEP_S, Keys
from actions.redis_edge import members, optional_text, store_call, text

# ``follow_up``: the customer left while waiting (web/agent/sweeper.py); an agent e-mails them.
Status = Literal["waiting", "claimed", "returned", "closed", "follow_up"]
PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
# Customer messages in the queue's emotion trend.
TREND_LENGTH = 8

# Claim only a queued conversation, and only if nobody else holds it: one atomic step,
# so two agents clicking at once cannot both own it. A new claim also returns when the
# conversation was queued (its score), for the queue-wait metric.
_CLAIM = """
local queued_at = redis.call('ZSCORE', KEYS[2], ARGV[3])
if queued_at == false then return {0, ''} end
local current = redis.call('HGET', KEYS[1], 'claim')
if current then
  if cjson.decode(current)['agent'] ~= ARGV[2] then return {-1, current} end
  return {1, current}
end
redis.call('HSET', KEYS[1], 'claim', ARGV[1], 'status', 'claimed')
return {1, ARGV[1], queued_at}
"""

# Hand a conversation from its owner to a colleague, or release it back to the queue,
# only if the agent asking still holds it: one atomic step, like the claim. The queue
# entry (scored by the request time) is left alone, so a released conversation keeps
# its place and its waiting time. ARGV[3] 'any': a lead takes it back from whoever
# holds it (an absent agent), still only if somebody does.
_PASS_ON = """
local current = redis.call('HGET', KEYS[1], 'claim')
if not current then return {0, ''} end
if ARGV[3] ~= 'any' and cjson.decode(current)['agent'] ~= ARGV[1] then return {-1, current} end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], 'claim')
  redis.call('HSET', KEYS[1], 'status', 'waiting')
else
  redis.call('HSET', KEYS[1], 'claim', ARGV[2], 'status', 'claimed')
end
return {1, current}
"""
# How an agent may close a conversation: the fixed list reports count by.
ResolutionCategory = Literal[
    "answered", "order_issue_fixed", "refund_or_return_arranged", "escalated", "no_response", "other"
]
RESOLUTION_CATEGORIES: tuple[ResolutionCategory, ...] = get_args(ResolutionCategory)


class Claim(BaseModel):
    """Which agent owns a handed-off conversation, since when."""

    agent: str
    display_name: str
    claimed_at: float = Field(default_factory=time.time)


class Closing(BaseModel):
    """How an agent closed a conversation."""

    agent: str
    note: str = Field(max_length=2000)
    # Closings recorded before categories existed read as "other".
    category: ResolutionCategory = "other"
    closed_at: float = Field(default_factory=time.time)


class HandoffState(BaseModel):
    """A conversation's handoff record: its latest request, status, claim and closing."""

    request: HandoffRequest | None = None
    status: Status | None = None
    claim: Claim | None = None
    closing: Closing | None = None
    # Given by the customer in the widget out of hours, for a reply by e-mail (actions/handoff/board.py).
    contact_email: str | None = None


class QueueItem(BaseModel):
    """One row of the agent's queue."""

    conversation_id: str
    reason: str
    priority: str
    requested_at: float
    waiting_s: float
    segment: str | None
    emotion: str | None
    sentiment_trend: list[float] = Field(
        description="VADER compound of the last customer messages, oldest first"
    )
    emotion_trend: list[str] = Field(description="dominant emotion of the same messages")
    claim: Claim | None


class ClaimResult(BaseModel):
    """The outcome of a claim: ``claimed`` (by you), ``taken`` (by someone else) or ``not_queued``."""

    outcome: Literal["claimed", "taken", "not_queued"]
    claim: Claim | None = None
    # For a new claim only (not one renewed by its owner): how long the conversation had waited.
    waited_s: float | None = Field(default=None, exclude=True)


class PassOnResult(BaseModel):
    """How a transfer or release went: ``done``, ``not_yours`` (another agent has it) or ``unclaimed``."""

    outcome: Literal["done", "not_yours", "unclaimed"]
    claim: Claim | None = Field(default=None, description="who held it before (done) or holds it (not_yours)")


class QueueSummary(BaseModel):
    """The queue in three numbers (for the metrics)."""

    waiting: int
    claimed: int
    oldest_waiting_s: float = Field(description="the longest wait of an unclaimed conversation so far")


class HandoffDesk:
    """Reads the queue and moves conversations through it."""

    def __init__(self, redis: Redis, keys: Keys, timeline: EmotionTimeline | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._timeline = timeline or EmotionTimeline(redis, keys)
        self._claim = redis.register_script(_CLAIM)
        self._pass_on = redis.register_script(_PASS_ON)

    async def queue(self, now: float | None = None) -> list[QueueItem]:
        """Queued conversations, most urgent first, then longest waiting."""
        now = time.time() if now is None else now
        ids = await self._queued_ids()
        if not ids:
            return []
        records, trends = await asyncio.gather(
            self._records(ids), self._timeline.recent_of_each(ids, TREND_LENGTH)
        )
        items = []
        for cid, fields, entries in zip(ids, records, trends, strict=True):
            if "request" not in fields:
                continue  # the request expired under a stale queue entry
            request = HandoffRequest.model_validate_json(fields["request"])
            items.append(
                QueueItem(
                    conversation_id=cid,
                    reason=request.reason,
                    priority=request.priority,
                    requested_at=request.requested_at,
                    waiting_s=max(0.0, now - request.requested_at),
                    segment=request.segment,
                    emotion=request.emotion,
                    sentiment_trend=[round(e.reading.sentiment, 3) for e in entries],
                    emotion_trend=[e.reading.dominant for e in entries],
                    claim=Claim.model_validate_json(fields["claim"]) if "claim" in fields else None,
                )
            )
        items.sort(key=lambda i: (PRIORITY_ORDER.get(i.priority, 9), i.requested_at))
        return items

    async def state(self, conversation_id: str) -> HandoffState:
        """The conversation's handoff record (empty if it was never handed off)."""
        (fields,) = await self._records([conversation_id])
        request = HandoffRequest.model_validate_json(fields["request"]) if "request" in fields else None
        # Validated, not trusted: a status Redis holds must be one of ``Status``.
        return HandoffState.model_validate(
            {
                "request": request,
                "status": fields.get("status") or ("waiting" if request else None),
                "claim": Claim.model_validate_json(fields["claim"]) if "claim" in fields else None,
                "closing": Closing.model_validate_json(fields["closed"]) if "closed" in fields else None,
                "contact_email": fields.get("contact_email"),
            }
        )

    async def claim(self, conversation_id: str, agent: str, display_name: str) -> ClaimResult:
        """Take a queued conversation unless another agent holds it (claiming your own again is fine)."""
        mine = Claim(agent=agent, display_name=display_name).model_dump_json()
        with store_call("claim the conversation"):
            code, current, *queued_at = await self._claim(
                keys=[self._keys.handoff(conversation_id), self._keys.handoff_queue],
                args=[mine, agent, conversation_id],
            )
        if int(code) == 0:
            return ClaimResult(outcome="not_queued")
        claim = Claim.model_validate_json(text(current))
        waited = max(0.0, claim.claimed_at - float(text(queued_at[0]))) if queued_at else None
        return ClaimResult(outcome="claimed" if int(code) == 1 else "taken", claim=claim, waited_s=waited)

    async def transfer(self, conversation_id: str, from_agent: str, to: Claim) -> PassOnResult:
        """Give the conversation ``from_agent`` holds to another agent (``to``), at once."""
        return await self._pass(
            conversation_id, from_agent, to.model_dump_json(), "transfer the conversation"
        )

    async def release(self, conversation_id: str, agent: str) -> PassOnResult:
        """Put the conversation ``agent`` holds back in the queue, unclaimed, keeping its waiting time."""
        return await self._pass(conversation_id, agent, "", "release the conversation")

    async def take_back(self, conversation_id: str, to: Claim | None) -> PassOnResult:
        """A lead's move: whoever holds the conversation loses it, to ``to`` or (None) back to the queue.

        ``claim`` of the result is the agent who held it (``unclaimed``: nobody did).
        """
        new_claim = "" if to is None else to.model_dump_json()
        return await self._pass(conversation_id, "", new_claim, "take the conversation back", anyone=True)

    async def _pass(
        self, conversation_id: str, agent: str, new_claim: str, what: str, anyone: bool = False
    ) -> PassOnResult:
        with store_call(what):
            code, current = await self._pass_on(
                keys=[self._keys.handoff(conversation_id)], args=[agent, new_claim, "any" if anyone else ""]
            )
        if int(code) == 0:
            return PassOnResult(outcome="unclaimed")
        claim = Claim.model_validate_json(text(current))
        return PassOnResult(outcome="done" if int(code) == 1 else "not_yours", claim=claim)

    async def owner(self, conversation_id: str) -> Claim | None:
        """Who holds the conversation now."""
        with store_call("read who holds the conversation"):
            raw = await self._redis.hget(self._keys.handoff(conversation_id), "claim")
        return Claim.model_validate_json(text(raw)) if raw else None

    async def hand_back(self, conversation_id: str) -> None:
        """The bot has the conversation again: out of the queue, nobody owns it."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._keys.handoff_queue, conversation_id)
            pipe.hdel(self._keys.handoff(conversation_id), "claim")
            pipe.hset(self._keys.handoff(conversation_id), "status", "returned")
            with store_call("hand the conversation back"):
                await pipe.execute()

    async def close(self, conversation_id: str, closing: Closing) -> None:
        """Closed with a resolution note: out of the queue, kept in the closed set."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._keys.handoff_queue, conversation_id)
            pipe.zadd(self._keys.handoff_closed, {conversation_id: closing.closed_at})
            # Bounded: closings older than a conversation's lifetime leave the set.
            pipe.zremrangebyscore(
                self._keys.handoff_closed, "-inf", closing.closed_at - HANDOFF_CLOSED_KEEP_S
            )
            pipe.hset(
                self._keys.handoff(conversation_id),
                mapping={"closed": closing.model_dump_json(), "status": "closed"},
            )
            # Nobody owns a closed conversation: replies to it are refused.
            pipe.hdel(self._keys.handoff(conversation_id), "claim")
            with store_call("close the conversation"):
                await pipe.execute()

    async def summary(self, now: float | None = None) -> QueueSummary:
        """How many queued conversations wait, how many an agent holds, and the longest wait."""
        now = time.time() if now is None else now
        with store_call("read the handoff queue"):
            queued = cast(
                list[tuple[bytes, float]],
                await self._redis.zrange(self._keys.handoff_queue, 0, -1, withscores=True),
            )
            async with self._redis.pipeline(transaction=False) as pipe:
                for member, _ in queued:
                    pipe.hget(self._keys.handoff(text(member)), "status")
                replies = await pipe.execute()
        statuses = [optional_text(reply) for reply in replies]
        waiting = [score for (_, score), status in zip(queued, statuses, strict=True) if status == "waiting"]
        claimed = statuses.count("claimed")
        oldest = max(0.0, now - min(waiting)) if waiting else 0.0
        return QueueSummary(waiting=len(waiting), claimed=claimed, oldest_waiting_s=oldest)

    async def queued(self) -> set[str]:
        """Ids of the conversations in the queue (waiting or claimed)."""
        return set(await self._queued_ids())

    async def _queued_ids(self) -> list[str]:
        with store_call("read the handoff queue"):
            return members(await self._redis.zrange(self._keys.handoff_queue, 0, -1))

    async def _records(self, conversation_ids: list[str]) -> list[dict[str, str]]:
        """The handoff hashes of these conversations, as text, in one round trip."""
        with store_call("read the handoff records"):
            async with self._redis.pipeline(transaction=False) as pipe:
                for cid in conversation_ids:
                    pipe.hgetall(self._keys.handoff(cid))
                replies: list[Mapping[bytes, bytes]] = await pipe.execute()
        return [{text(k): text(v) for k, v in reply.items()} for reply in replies]
