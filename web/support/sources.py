"""What the support lead's view reads: audit entries, handoff records and CSAT ratings.

Only what the live product writes is read: the console's audit entries
(``web.accounts.audit``: ``actor``, ``action``, ``target``, ``at``), the handoff hashes the
action server and the desk keep (``request``, and the inbox's ``doc`` for the signed-in
customer's id) and the ``csat`` stream (``conversation_id``, ``score``, ``at``). Not the tracker
``events`` stream: with up to 500,000 entries, scanning it would cost seconds per page load,
so a customer who came back to the bot alone is not seen (``docs/consoles.md``).

Why a script: redis-py parses about 10,000 stream entries a second on the demo machine, and
the audit log also holds sign-ins and conversation reads. The script reads ``CHUNK`` entries
at a time inside Redis and sends back only the chosen entries' chosen fields, one short string
each, so a period with a few thousand handoffs is read in a few round trips.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError
from redis.asyncio import Redis

from actions.handoff.queue import HandoffRequest
from actions.keys import Keys
from actions.redis_edge import store_call, text
from web.marketing.scans import BATCH, SCAN_COUNT

logger = logging.getLogger(__name__)

CHUNK = 2000
SEPARATOR = "\x1f"
# What an agent does to a handoff, and the reply that is the first human answer (web/agent/routes.py).
AUDIT_ACTIONS = ("handoff.claim", "handoff.close", "handoff.handback", "conversation.reply")

# KEYS[1]: the stream. ARGV: min id, max id, count, filter field ('' none), allowed values
# joined by the unit separator, then "once" (''; or a filter value kept only once per value of
# the next argument's field until an entry, returned or not, with the value after it resets it),
# the field it is kept once per, the resetting value, then the fields to return.
# Returns {last id read, entries read, entry, entry...}: each entry is its id and the fields'
# values joined by the unit separator ('' for a missing field).
_PICK_SCRIPT = """
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[2], 'COUNT', tonumber(ARGV[3]))
local filter_field, allowed = ARGV[4], {}
for value in string.gmatch(ARGV[5], '([^\\31]+)') do allowed[value] = true end
local once, once_per, reset, seen = ARGV[6], ARGV[7], ARGV[8], {}
local reply, last = {'', #entries}, ''
for _, entry in ipairs(entries) do
  last = entry[1]
  local fields, raw = {}, entry[2]
  for i = 1, #raw, 2 do fields[raw[i]] = raw[i + 1] end
  local value = fields[filter_field] or ''
  local keep = filter_field == '' or allowed[value]
  if once ~= '' then
    local per = fields[once_per] or ''
    if value == reset then seen[per] = nil
    elseif keep and value == once then
      if seen[per] then keep = false else seen[per] = true end
    end
  end
  if keep then
    local parts = {last}
    for i = 9, #ARGV do parts[#parts + 1] = fields[ARGV[i]] or '' end
    reply[#reply + 1] = table.concat(parts, '\\31')
  end
end
reply[1] = last
return reply
"""


@dataclass(frozen=True)
class Once:
    """Keep entries with ``value`` only once per ``per`` field until one with ``reset`` comes."""

    value: str
    per: str
    reset: str


async def pick_entries(
    redis: Redis,
    key: str,
    start_ms: int,
    end_ms: int,
    fields: tuple[str, ...],
    *,
    where: tuple[str, Iterable[str]] | None = None,
    once: Once | None = None,
    chunk: int = CHUNK,
) -> list[list[str]]:
    """The entries appended in [start_ms, end_ms) whose ``where`` field has one of the values.

    Returns one list per entry: its id, then the values of ``fields`` ('' when missing).
    With ``once``, repeats are dropped within each chunk (a repeat may still come through
    at a chunk's start: callers take the first one they need).

    Raises:
        StoreUnavailable: Redis did not answer.

    """
    script = redis.register_script(_PICK_SCRIPT)
    where_field, values = (where[0], SEPARATOR.join(where[1])) if where else ("", "")
    repeats = [once.value, once.per, once.reset] if once else ["", "", ""]
    found: list[list[str]] = []
    low, high = str(max(0, start_ms)), str(max(0, end_ms - 1))
    while True:
        with store_call(f"read the stream {key}"):
            reply = cast(
                list[Any],
                await script(keys=[key], args=[low, high, chunk, where_field, values, *repeats, *fields]),
            )
        found.extend(text(item).split(SEPARATOR) for item in reply[2:])
        if int(reply[1]) < chunk:
            return found
        low = "(" + text(reply[0])


@dataclass(frozen=True)
class AuditEvent:
    """One agent action on a handoff: who, what, which conversation, when (Unix seconds)."""

    actor: str
    action: str
    conversation_id: str
    at: float


@dataclass(frozen=True)
class Handoff:
    """A conversation's latest handoff request, and who the customer is (signed-in id, else the chat)."""

    conversation_id: str
    reason: str
    priority: str
    requested_at: float
    customer: str


@dataclass(frozen=True)
class Rating:
    """One CSAT score."""

    conversation_id: str
    score: int
    at: float


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


async def audit_events(redis: Redis, keys: Keys, start_ms: int, end_ms: int) -> list[AuditEvent]:
    """Claims, closings, hand-backs and replies logged in [start_ms, end_ms), oldest first."""
    # Only the first reply after each claim matters (the first human answer): agents' later
    # replies, the bulk of the log, stay in Redis.
    first_reply = Once(value="conversation.reply", per="target", reset="handoff.claim")
    fields = ("actor", "action", "target", "at")
    rows = await pick_entries(
        redis, keys.audit, start_ms, end_ms, fields, where=("action", AUDIT_ACTIONS), once=first_reply
    )
    events = []
    for _, actor, action, target, at in rows:
        moment = _number(at)
        if moment is None or not target:
            logger.warning("audit entry %s on %r has no usable time; skipped", action, target)
            continue
        events.append(AuditEvent(actor, action, target, moment))
    return sorted(events, key=lambda event: event.at)


async def ratings(redis: Redis, keys: Keys, start_ms: int, end_ms: int) -> list[Rating]:
    """CSAT scores appended in [start_ms, end_ms); malformed entries are skipped."""
    found = []
    for _, cid, score, at in await pick_entries(
        redis, keys.csat, start_ms, end_ms, ("conversation_id", "score", "at")
    ):
        moment = _number(at)
        if not cid or moment is None or score not in {"1", "2", "3", "4", "5"}:
            logger.warning("%s: a malformed CSAT entry was skipped", keys.csat)
            continue
        found.append(Rating(cid, int(score), moment))
    return found


def _customer(conversation_id: str, raw_doc: bytes | None) -> str:
    """The signed-in customer's id from the inbox's search document, else the conversation itself."""
    if raw_doc:
        try:
            customer = json.loads(raw_doc).get("customer_id")
        except (ValueError, AttributeError):
            customer = None
        if customer:
            return f"customer:{customer}"
    return f"conversation:{conversation_id}"


async def handoffs(redis: Redis, keys: Keys) -> tuple[list[Handoff], int]:
    """Every stored handoff request, and how many handoff hashes held no readable request.

    Raises:
        StoreUnavailable: Redis did not answer.

    """
    with store_call("read the handoff records"):
        names = [
            text(name)
            async for name in redis.scan_iter(match=keys.handoff("*"), count=SCAN_COUNT, _type="HASH")
        ]
        replies: list[list[bytes | None]] = []
        for offset in range(0, len(names), BATCH):
            async with redis.pipeline(transaction=False) as pipe:
                for name in names[offset : offset + BATCH]:
                    pipe.hmget(name, ["request", "doc"])
                replies.extend(await pipe.execute())
    found, unreadable = [], 0
    for name, (raw_request, raw_doc) in zip(names, replies, strict=True):
        try:
            request = HandoffRequest.model_validate_json(raw_request or b"")
        except ValidationError:
            unreadable += 1
            logger.debug("handoff hash %s holds no valid request; skipped", name)
            continue
        found.append(
            Handoff(
                request.conversation_id,
                request.reason,
                request.priority,
                request.requested_at,
                _customer(request.conversation_id, raw_doc),
            )
        )
    return found, unreadable
