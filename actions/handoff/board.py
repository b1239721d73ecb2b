"""A waiting customer's side of the queue: their place, the expected wait, presence and e-mail.

The widget asks the web app (``web/waiting.py``) every few seconds while its customer waits
for a person. Each ask is also the customer's presence: it stamps ``last_seen`` on the
handoff hash, which the sweeper (``web/agent/sweeper.py``) reads to tell a customer who
left from one still there. Fields this module adds to a handoff's hash
(``Keys.handoff``): ``last_seen`` (epoch seconds), ``contact_email`` (given out of hours),
``follow_up_at`` (set by the sweeper with status ``follow_up``).

Many widgets ask at once on a busy day, so the queue's order is read at most every
``ORDER_CACHE_S`` and the team's workload (from the audit log) every ``WORKLOAD_CACHE_S``
per process; the customer's own record is read fresh every time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal, cast, get_args

from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis

from actions.errors import StoreDataError
from actions.handoff.hours import SupportHours
from actions.handoff.queue import HandoffRequest
from actions.handoff.waiting import Workload, audit_entry, expected_wait_minutes, workload_from_audit
from actions.handoff.wording import opening_phrase
from actions.keys import Keys
from actions.redis_edge import members, optional_text, store_call, text
from actions.store.repository import StoreRepository

ORDER_CACHE_S = 2.0
WORKLOAD_CACHE_S = 30.0
# The newest audit entries read for the workload (sign-ins and rule changes are among them).
AUDIT_READ = 5_000
PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
# Statuses in which the customer still expects a person.
OPEN_STATUSES = ("waiting", "claimed", "follow_up")

# A customer who asks is present: stamp last_seen, and one who had gone and came back waits
# again (out of the follow-up view). Answers the status before the stamp ('' for none).
_SEEN = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return '' end
if status == 'waiting' or status == 'claimed' or status == 'follow_up' then
  redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
  if status == 'follow_up' then
    redis.call('HSET', KEYS[1], 'status', 'waiting')
    redis.call('HDEL', KEYS[1], 'follow_up_at')
  end
end
return status
"""
# Keep the address only on a handoff still open; answer its status ('' for none).
_SAVE_EMAIL = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'waiting' or status == 'claimed' or status == 'follow_up' then
  redis.call('HSET', KEYS[1], 'contact_email', ARGV[1])
end
return status or ''
"""

Status = Literal["none", "waiting", "claimed", "follow_up", "returned", "closed"]


class WaitingStatus(BaseModel):
    """What the widget's waiting banner shows (numbers and data; the widget words them)."""

    status: Status
    position: int | None = None
    expected_minutes: int | None = None
    team_open: bool = True
    reopens: str | None = None
    contact_email: str | None = None


def mask_email(address: str) -> str:
    """``jo•••@example.net``: enough for the customer to recognise, nothing more."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}•••@{domain}"


class WaitingBoard:
    """Reads and stamps a waiting customer's handoff record."""

    def __init__(self, redis: Redis, keys: Keys, store: StoreRepository) -> None:
        self._redis = redis
        self._keys = keys
        self._store = store
        self._seen = redis.register_script(_SEEN)
        self._save = redis.register_script(_SAVE_EMAIL)
        self._order: tuple[float, list[str]] | None = None
        self._workload: tuple[float, Workload] | None = None

    async def check_in(self, conversation_id: str, now: float | None = None) -> WaitingStatus:
        """Stamp the customer as present and answer their place, wait and the team's hours."""
        now = time.time() if now is None else now
        with store_call("note the waiting customer"):
            before = text(await self._seen(keys=[self._keys.handoff(conversation_id)], args=[now]))
        if not before:
            return WaitingStatus(status="none")
        status: Status = "waiting" if before == "follow_up" else _known(before)
        answer = WaitingStatus(status=status)
        if status not in OPEN_STATUSES:
            return answer
        hours = await self._hours()
        moment = datetime.fromtimestamp(now, UTC)
        if hours is not None and not hours.is_open(moment):
            opening = hours.next_opening(moment)
            answer.team_open = False
            answer.reopens = opening_phrase(opening, moment, hours.timezone_label) if opening else None
        with store_call("read the contact e-mail"):
            raw_email = await self._redis.hget(self._keys.handoff(conversation_id), "contact_email")
        email = optional_text(raw_email)
        answer.contact_email = mask_email(email) if email else None
        if status == "waiting":
            order = await self._waiting_order(now, conversation_id)
            if conversation_id in order:
                answer.position = order.index(conversation_id) + 1
                if answer.team_open:
                    answer.expected_minutes = expected_wait_minutes(answer.position, await self._load(now))
        return answer

    async def save_email(self, conversation_id: str, address: str) -> bool:
        """Keep a validated contact address on an open handoff; False when there is none to keep it on."""
        with store_call("save the contact e-mail"):
            status = text(await self._save(keys=[self._keys.handoff(conversation_id)], args=[address]))
        return status in OPEN_STATUSES

    async def _hours(self) -> SupportHours | None:
        try:
            return (await self._store.policy()).support_hours
        except StoreDataError:
            return None  # an unseeded store: no hours to keep to

    async def _waiting_order(self, now: float, conversation_id: str) -> list[str]:
        """Unclaimed conversations in the console's order; re-read when stale or missing this one."""
        if self._order and now - self._order[0] < ORDER_CACHE_S and conversation_id in self._order[1]:
            return self._order[1]
        with store_call("read the handoff queue"):
            ids = members(await self._redis.zrange(self._keys.handoff_queue, 0, -1))
            async with self._redis.pipeline(transaction=False) as pipe:
                for cid in ids:
                    pipe.hmget(self._keys.handoff(cid), ["status", "request"])
                replies = await pipe.execute()
        ranked = []
        for cid, (status, raw) in zip(ids, replies, strict=True):
            if optional_text(status) != "waiting" or raw is None:
                continue
            try:
                request = HandoffRequest.model_validate_json(raw)
            except ValidationError:
                continue
            ranked.append((PRIORITY_ORDER.get(request.priority, 9), request.requested_at, cid))
        order = [cid for *_, cid in sorted(ranked)]
        self._order = (now, order)
        return order

    async def _load(self, now: float) -> Workload:
        if self._workload and now - self._workload[0] < WORKLOAD_CACHE_S:
            return self._workload[1]
        with store_call("read the audit log"):
            raw = cast(
                list[tuple[bytes, Mapping[bytes | str, bytes | str]]],
                await self._redis.xrevrange(self._keys.audit, count=AUDIT_READ),
            )
        entries = [entry for _, fields in raw if (entry := audit_entry(fields)) is not None]
        workload = workload_from_audit(entries, now)
        self._workload = (now, workload)
        return workload


_STATUSES: dict[str, Status] = {status: status for status in get_args(Status)}


def _known(status: str) -> Status:
    return _STATUSES.get(status, "none")
