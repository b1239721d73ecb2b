"""Nobody waits forever: the handoff queue swept for customers who left and handoffs gone stale.

Runs inside the web app (started in its lifespan, ``web/app.py``) every
``HANDOFF_SWEEP_EVERY_S``. A round holds ``Keys.handoff_sweeper_lock`` (``SET NX PX``, released
when the round ends; the expiry only covers a replica that dies mid-round), so however many web
app replicas run, two rounds never overlap; each replica sweeps on its own schedule, and a round
finds what an earlier one already moved in its new place (the decisions are idempotent).
Every handoff in the queue gets one decision (``decide``):

- ``follow_up``: still waiting, and the customer has not been seen (the widget's check-in,
  ``actions/handoff/board.py``) nor asked since ``HANDOFF_GONE_AFTER_S``: the handoff's status
  becomes ``follow_up`` (the inbox's "follow-up" view), with ``follow_up_at``; it keeps its
  place and its ``contact_email``. A customer who comes back is waiting again.
- ``close``: open (waiting, claimed or follow-up) with nothing new (request, claim, check-in)
  for ``HANDOFF_STALE_AFTER_S``: the bot gets the conversation back (``ConversationResumed``
  through Rasa's API, so a returning customer is answered), then it is closed like an agent's
  closing with a note, category ``no_response``, by ``SWEEPER_ACTOR``.
- ``drop``: a queue entry whose handoff record expired, or which was handed back or closed:
  it leaves the queue and the inbox's set.

Each move is written to the audit log (``handoff.follow_up``, ``handoff.auto_close``) and is
conditional on the record not having changed since it was read, so an agent's claim or the
customer's return in between wins.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic import ValidationError

from actions.errors import AssistantError
from actions.handoff.queue import HandoffRequest
from actions.keys import HANDOFF_CLOSED_KEEP_S
from actions.redis_edge import members, optional_text, store_call
from web.agent.desk import Claim, Closing
from web.services import WebServices

logger = logging.getLogger(__name__)

SWEEPER_ACTOR = "system:sweeper"
AUTO_CLOSE_NOTE = (
    "Closed automatically: nothing new from the customer or the team for {hours} h "
    "(customer last seen {seen})."
)
Decision = Literal["follow_up", "close", "drop"]
OPEN_STATUSES = ("waiting", "claimed", "follow_up")

# Waiting -> follow_up only if nobody claimed it and the customer did not check in since it was read.
# Delete the lock only if it is still this replica's (it may have expired and been taken).
_RELEASE = """
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
"""

_TO_FOLLOW_UP = """
if redis.call('HGET', KEYS[1], 'status') ~= 'waiting' then return 0 end
if (redis.call('HGET', KEYS[1], 'last_seen') or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'follow_up', 'follow_up_at', ARGV[2])
return 1
"""


@dataclass(frozen=True)
class HandoffRecord:
    """What the sweeper reads of one queued handoff."""

    conversation_id: str
    status: str | None
    requested_at: float | None
    claimed_at: float | None
    last_seen: float | None
    last_seen_raw: str

    @property
    def last_activity(self) -> float:
        """The newest of the request, the claim and the customer's check-in."""
        return max(t for t in (self.requested_at, self.claimed_at, self.last_seen, 0.0) if t is not None)


def decide(record: HandoffRecord, now: float, gone_after_s: float, stale_after_s: float) -> Decision | None:
    """What to do with one queued handoff now (None: leave it)."""
    if record.requested_at is None or record.status not in OPEN_STATUSES:
        return "drop"
    if now - record.last_activity >= stale_after_s:
        return "close"
    if record.status == "waiting":
        present = max(record.requested_at, record.last_seen or 0.0)
        if now - present >= gone_after_s:
            return "follow_up"
    return None


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def parse_record(conversation_id: str, values: list[bytes | None]) -> HandoffRecord:
    """A ``HandoffRecord`` from ``HMGET status request claim last_seen``; unreadable parts are None."""
    status, request_raw, claim_raw, seen_raw = (optional_text(v) for v in values)
    requested_at = claimed_at = None
    try:
        requested_at = HandoffRequest.model_validate_json(request_raw).requested_at if request_raw else None
        claimed_at = Claim.model_validate_json(claim_raw).claimed_at if claim_raw else None
    except ValidationError:
        logger.warning("sweeper: handoff record of sender_id=%s is unreadable", conversation_id)
    return HandoffRecord(conversation_id, status, requested_at, claimed_at, _float(seen_raw), seen_raw or "")


class HandoffSweeper:
    """Moves customers who left to follow-up, closes stale handoffs, trims the queue's structures."""

    def __init__(self, services: WebServices, clock: Callable[[], float] = time.time) -> None:
        self._services = services
        self._settings = services.settings
        self._clock = clock
        self._to_follow_up = services.redis.register_script(_TO_FOLLOW_UP)
        self._release = services.redis.register_script(_RELEASE)
        self._token = secrets.token_hex(8)

    async def run_forever(self, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        """Sweep every ``handoff_sweep_every_s`` until cancelled; a failed round is logged and retried.

        The first round is one interval after the start: a replica that starts and stops at once
        (a health check, a test) sweeps nothing.
        """
        while True:
            await sleep(self._settings.handoff_sweep_every_s)
            try:
                if await self.take_turn():
                    try:
                        await self.sweep()
                    finally:
                        await self.end_turn()
            except AssistantError:
                logger.exception("handoff sweep failed; trying again next round")

    async def take_turn(self) -> bool:
        """Whether this replica may sweep now (no other round is running)."""
        ttl_ms = max(1, int(self._settings.handoff_sweep_every_s * 1000))
        with store_call("take the sweeper's turn"):
            taken = await self._services.redis.set(
                self._services.keys.handoff_sweeper_lock, self._token, nx=True, px=ttl_ms
            )
        return bool(taken)

    async def end_turn(self) -> None:
        """Release the round's lock if this replica still holds it."""
        with store_call("end the sweeper's turn"):
            await self._release(keys=[self._services.keys.handoff_sweeper_lock], args=[self._token])

    async def sweep(self) -> dict[Decision, int]:
        """One round over the whole queue; how many handoffs each decision moved."""
        now = self._clock()
        redis, keys = self._services.redis, self._services.keys
        with store_call("read the handoff queue"):
            ids = members(await redis.zrange(keys.handoff_queue, 0, -1))
            async with redis.pipeline(transaction=False) as pipe:
                for cid in ids:
                    pipe.hmget(keys.handoff(cid), ["status", "request", "claim", "last_seen"])
                replies = cast(list[list[bytes | None]], await pipe.execute())
        done: dict[Decision, int] = {"follow_up": 0, "close": 0, "drop": 0}
        for cid, values in zip(ids, replies, strict=True):
            record = parse_record(cid, values)
            decision = decide(
                record, now, self._settings.handoff_gone_after_s, self._settings.handoff_stale_after_s
            )
            if decision is not None and await self._apply(decision, record, now):
                done[decision] += 1
        with store_call("trim the closed handoffs"):
            await redis.zremrangebyscore(keys.handoff_closed, "-inf", now - HANDOFF_CLOSED_KEEP_S)
        if any(done.values()):
            logger.info("handoff sweep: %s", done)
        return done

    async def _apply(self, decision: Decision, record: HandoffRecord, now: float) -> bool:
        redis, keys, cid = self._services.redis, self._services.keys, record.conversation_id
        if decision == "drop":
            with store_call("trim the handoff queue"):
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.zrem(keys.handoff_queue, cid)
                    pipe.zrem(keys.handoff_inbox, cid)
                    await pipe.execute()
            return True
        if decision == "follow_up":
            with store_call("move the handoff to follow-up"):
                moved = await self._to_follow_up(keys=[keys.handoff(cid)], args=[record.last_seen_raw, now])
            if not moved:
                return False
            logger.info("handoff of sender_id=%s moved to follow-up: the customer has gone", cid)
            await self._services.audit(
                SWEEPER_ACTOR, "handoff.follow_up", cid, {"last_seen": record.last_seen}
            )
            return True
        return await self._close(record, now)

    async def _close(self, record: HandoffRecord, now: float) -> bool:
        cid = record.conversation_id
        # Re-read: an agent may have claimed it, or the customer come back, since the round began.
        with store_call("re-read the handoff"):
            values = await self._services.redis.hmget(
                self._services.keys.handoff(cid), ["status", "request", "claim", "last_seen"]
            )
        fresh = parse_record(cid, cast(list[bytes | None], values))
        if fresh != record:
            return False
        try:
            # Resumed first: a handoff closed while its tracker stays paused would leave a returning
            # customer unanswered. Rasa down: the handoff stays open, for the next round.
            await self._services.rasa.append(cid, [{"event": "resume", "timestamp": now}])
        except AssistantError:
            logger.exception("stale handoff of sender_id=%s not closed: Rasa did not resume it", cid)
            return False
        hours = round(self._settings.handoff_stale_after_s / 3600, 1)
        seen = "never"
        if record.last_seen:
            seen = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(record.last_seen))
        note = AUTO_CLOSE_NOTE.format(hours=f"{hours:g}", seen=seen)
        closing = Closing.model_validate({"agent": SWEEPER_ACTOR, "note": note, "category": "no_response"})
        await self._services.desk.close(cid, closing)
        with store_call("trim the inbox"):
            await self._services.redis.zrem(self._services.keys.handoff_inbox, cid)
        logger.info("stale handoff of sender_id=%s closed automatically", cid)
        await self._services.audit(
            SWEEPER_ACTOR, "handoff.auto_close", cid, {"status": record.status, "note": note}
        )
        return True
