"""The agent inbox: views, filters, search, sorting and paging over the handed-off conversations.

It answers from Redis alone, never from trackers: each listed handoff's hash (request,
status, claim and the search document of ``actions.handoff.index``) is read in one
pipelined round trip, then filtered, sorted and paged here; the emotion trend is read
for the rows of the page only. With a thousand conversations waiting that is a few
milliseconds of Redis and of Python, well inside the 200 ms a filter may take.

Before a search, ``InboxIndexer`` folds the customers' newest messages from the
``events`` stream into the documents, so a search finds what a customer wrote a moment
ago although the action server, with the bot paused, no longer sees those messages.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.asyncio import Redis

from actions.emotion.timeline import EmotionTimeline
from actions.handoff.index import SearchDocument
from actions.handoff.queue import HandoffRequest, Priority
from actions.keys import Keys
from actions.redis_edge import optional_text, store_call, text
from web.agent.desk import PRIORITY_ORDER, TREND_LENGTH, Claim

logger = logging.getLogger(__name__)

View = Literal["unassigned", "mine", "all", "follow_up"]
VIEWS: tuple[View, ...] = get_args(View)
Sort = Literal["waiting", "priority", "newest"]
# Statuses an agent still has to act on; ``follow_up`` is set when the customer has gone.
OPEN_STATUSES = frozenset({"waiting", "claimed", "follow_up"})
# Statuses after which a handoff leaves the inbox's set (a new request puts it back).
DONE_STATUSES = frozenset({"returned", "closed"})
FIELDS = ("request", "status", "claim", "doc")
# The events stream is folded in batches; one request folds at most this many entries,
# the next one goes on from there.
FOLD_BATCH = 1_000
FOLD_BATCHES_MAX = 5
# A worker that dies while folding frees the others after this long.
FOLD_LOCK_MS = 10_000
FOLDED_EVENTS = frozenset({"user", "slot"})
# Every listed handoff's fields as one JSON text: [[id, request, status, claim, doc], ...]
# (false for a missing field). The listed ids are the inbox's and the queue's (handoffs
# queued before the inbox existed). One script and one string, not a pipeline of a thousand
# HMGETs: redis-py's parser, in Python, took most of a page's time over 5,000 replies. The
# records' keys are built from the prefix in ARGV[1]: the project runs on one Redis, not a cluster.
_READ = """
local out, seen = {}, {}
for _, key in ipairs(KEYS) do
  for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    if not seen[id] then
      seen[id] = true
      local v = redis.call('HMGET', ARGV[1] .. id, 'request', 'status', 'claim', 'doc')
      out[#out + 1] = {id, v[1], v[2], v[3], v[4]}
    end
  end
end
if #out == 0 then return '[]' end
return cjson.encode(out)
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class InboxQuery(BaseModel):
    """One view of the inbox: which conversations, in which order, which page."""

    model_config = ConfigDict(extra="forbid")

    view: View = "all"
    priority: Priority | None = None
    reason: str | None = Field(default=None, max_length=200)
    emotion: str | None = Field(default=None, max_length=40)
    segment: str | None = Field(default=None, max_length=200)
    channel: str | None = Field(default=None, max_length=40)
    waiting_min: int | None = Field(
        default=None, ge=0, le=7 * 24 * 60, description="minutes waited, at least"
    )
    q: str | None = Field(default=None, max_length=200, description="customer id, name, e-mail, order, words")
    # Most urgent first, then longest waiting: the order of the queue before the inbox.
    sort: Sort = "priority"
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=25, ge=1, le=100)


class InboxItem(BaseModel):
    """One row of the inbox."""

    conversation_id: str
    status: str
    reason: str
    priority: str
    requested_at: float
    waiting_s: float
    segment: str | None
    emotion: str | None
    channel: str | None
    customer: str | None = Field(description="the signed-in customer's name (or id); None for a visitor")
    sentiment_trend: list[float]
    emotion_trend: list[str]
    claim: Claim | None
    matched: list[str] = Field(default_factory=list, description="where the search found its text")


class ViewCounts(BaseModel):
    """How many conversations each view holds, whatever the filters."""

    unassigned: int = 0
    mine: int = 0
    all: int = 0
    follow_up: int = 0


class FilterOptions(BaseModel):
    """The values the filters can take: those of the open conversations."""

    priorities: list[str]
    reasons: list[str]
    emotions: list[str]
    segments: list[str]
    channels: list[str]


class InboxPage(BaseModel):
    """A page of the inbox with its totals."""

    items: list[InboxItem]
    total: int
    page: int
    per_page: int
    pages: int
    counts: ViewCounts
    options: FilterOptions


@dataclass
class Row:
    """A listed handoff as read from Redis."""

    conversation_id: str
    status: str
    request: HandoffRequest
    claim: Claim | None
    doc: SearchDocument = field(default_factory=SearchDocument)
    matched: list[str] = field(default_factory=list)


def in_view(row: Row, view: View, agent: str) -> bool:
    """Whether the row belongs in ``view`` for ``agent``."""
    if view == "unassigned":
        return row.status == "waiting" and row.claim is None
    if view == "mine":
        return row.status == "claimed" and row.claim is not None and row.claim.agent == agent
    if view == "follow_up":
        return row.status == "follow_up"
    return row.status in OPEN_STATUSES


def counts_of(rows: Iterable[Row], agent: str) -> ViewCounts:
    """The size of every view."""
    listed = list(rows)
    return ViewCounts(**{view: sum(1 for r in listed if in_view(r, view, agent)) for view in VIEWS})


def options_of(rows: Iterable[Row]) -> FilterOptions:
    """The distinct values of each filter among the open conversations."""
    open_rows = [r for r in rows if r.status in OPEN_STATUSES]

    def distinct(values: Iterable[str | None]) -> list[str]:
        return sorted({v for v in values if v})

    return FilterOptions(
        priorities=sorted({r.request.priority for r in open_rows}, key=lambda p: PRIORITY_ORDER.get(p, 9)),
        reasons=distinct(r.request.reason for r in open_rows),
        emotions=distinct(r.request.emotion for r in open_rows),
        segments=distinct(r.request.segment for r in open_rows),
        channels=distinct(r.doc.channel for r in open_rows),
    )


def select(rows: Iterable[Row], query: InboxQuery, agent: str, now: float) -> list[Row]:
    """The rows of the query's view that pass its filters and search, in its order."""
    needle = (query.q or "").strip().lower()
    chosen = []
    for row in rows:
        request = row.request
        if not in_view(row, query.view, agent):
            continue
        if query.priority and request.priority != query.priority:
            continue
        if query.reason and request.reason != query.reason:
            continue
        if query.emotion and request.emotion != query.emotion:
            continue
        if query.segment and request.segment != query.segment:
            continue
        if query.channel and row.doc.channel != query.channel:
            continue
        if query.waiting_min is not None and now - request.requested_at < query.waiting_min * 60:
            continue
        if needle:
            row.matched = row.doc.matches(needle)
            if needle in row.conversation_id.lower():
                row.matched.insert(0, "conversation id")
            if not row.matched:
                continue
        chosen.append(row)
    if query.sort == "waiting":
        chosen.sort(key=lambda r: r.request.requested_at)
    elif query.sort == "newest":
        chosen.sort(key=lambda r: -r.request.requested_at)
    else:
        chosen.sort(key=lambda r: (PRIORITY_ORDER.get(r.request.priority, 9), r.request.requested_at))
    return chosen


def _parse(cid: str, values: Sequence[str | None]) -> Row | None:
    request_raw, status, claim_raw, doc_raw = values
    if request_raw is None:
        return None  # the record expired or was erased under a stale inbox entry
    try:
        return Row(
            conversation_id=cid,
            status=status or "waiting",
            request=HandoffRequest.model_validate_json(request_raw),
            claim=Claim.model_validate_json(claim_raw) if claim_raw else None,
            doc=SearchDocument.model_validate_json(doc_raw) if doc_raw else SearchDocument(),
        )
    except ValidationError:
        logger.exception("agent inbox: the handoff record of %s is unreadable; left out", cid)
        return None


class Inbox:
    """Reads the inbox's rows and answers its queries."""

    def __init__(self, redis: Redis, keys: Keys, timeline: EmotionTimeline | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._timeline = timeline or EmotionTimeline(redis, keys)
        self._read = redis.register_script(_READ)

    async def rows(self) -> list[Row]:
        """Every listed handoff (open or done), in one round trip; stale entries leave the set."""
        with store_call("read the inbox"):
            reply = await self._read(
                keys=[self._keys.handoff_inbox, self._keys.handoff_queue], args=[self._keys.handoff("")]
            )
        rows, gone = [], []
        for cid, *values in json.loads(reply):
            row = _parse(cid, [value or None for value in values])
            if row is None or row.status in DONE_STATUSES:
                gone.append(cid)
            if row is not None:
                rows.append(row)
        if gone:
            with store_call("trim the inbox"):
                await self._redis.zrem(self._keys.handoff_inbox, *gone)
        return rows

    async def counts(self, agent: str) -> ViewCounts:
        """The size of every view for ``agent``."""
        return counts_of(await self.rows(), agent)

    async def page(self, query: InboxQuery, agent: str, now: float | None = None) -> InboxPage:
        """The query's page of rows, with each view's count and the filters' options."""
        now = time.time() if now is None else now
        rows = await self.rows()
        chosen = select(rows, query, agent, now)
        pages = max(1, -(-len(chosen) // query.per_page))
        start = (min(query.page, pages) - 1) * query.per_page
        shown = chosen[start : start + query.per_page]
        trends = await self._timeline.recent_of_each([r.conversation_id for r in shown], TREND_LENGTH)
        items = [
            InboxItem(
                conversation_id=row.conversation_id,
                status=row.status,
                reason=row.request.reason,
                priority=row.request.priority,
                requested_at=row.request.requested_at,
                waiting_s=max(0.0, now - row.request.requested_at),
                segment=row.request.segment,
                emotion=row.request.emotion,
                channel=row.doc.channel,
                customer=row.doc.name or row.doc.customer_id,
                sentiment_trend=[round(e.reading.sentiment, 3) for e in entries],
                emotion_trend=[e.reading.dominant for e in entries],
                claim=row.claim,
                matched=row.matched,
            )
            for row, entries in zip(shown, trends, strict=True)
        ]
        return InboxPage(
            items=items,
            total=len(chosen),
            page=min(query.page, pages),
            per_page=query.per_page,
            pages=pages,
            counts=counts_of(rows, agent),
            options=options_of(rows),
        )


class InboxIndexer:
    """Folds the customers' new messages from the ``events`` stream into the search documents.

    One worker at a time (a lock with a TTL); the stream position is kept in Redis, so
    every web worker goes on where the last one stopped. The first run starts at the
    oldest listed handoff (stream ids are times): the document written at enqueue holds
    everything before.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._release = redis.register_script(_RELEASE)

    async def catch_up(self) -> int:
        """Fold the entries added since the last run; how many documents changed."""
        token = secrets.token_hex(8)
        with store_call("take the inbox index lock"):
            if not await self._redis.set(self._keys.agent_inbox_lock, token, nx=True, px=FOLD_LOCK_MS):
                return 0  # another worker is folding right now
        try:
            cursor = await self._cursor()
            changed = 0
            for _ in range(FOLD_BATCHES_MAX):
                with store_call("read the event stream"):
                    entries = cast(
                        list[tuple[bytes, dict[bytes, bytes]]],
                        await self._redis.xrange(self._keys.events, min=f"({cursor}", count=FOLD_BATCH),
                    )
                if not entries:
                    break
                changed += await self._fold(entries)
                cursor = text(entries[-1][0])
                with store_call("move the inbox index on"):
                    await self._redis.set(self._keys.agent_inbox_cursor, cursor)
                if len(entries) < FOLD_BATCH:
                    break
            return changed
        finally:
            with store_call("release the inbox index lock"):
                await self._release(keys=[self._keys.agent_inbox_lock], args=[token])

    async def _cursor(self) -> str:
        with store_call("read the inbox index position"):
            cursor = optional_text(await self._redis.get(self._keys.agent_inbox_cursor))
            if cursor is not None:
                return cursor
            oldest = await self._redis.zrange(self._keys.handoff_inbox, 0, 0, withscores=True)
        start = float(oldest[0][1]) if oldest else time.time()
        return f"{int(start * 1000)}-0"

    async def _fold(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> int:
        by_sender: dict[str, list[dict[str, Any]]] = {}
        for _, raw in entries:
            fields = {text(k): text(v) for k, v in raw.items()}
            if fields.get("type") not in FOLDED_EVENTS or not fields.get("sender_id"):
                continue
            try:
                event = json.loads(fields.get("event") or "{}")
            except ValueError:
                continue
            if isinstance(event, dict):
                by_sender.setdefault(fields["sender_id"], []).append(event)
        if not by_sender:
            return 0
        senders = list(by_sender)
        with store_call("read the search documents"):
            async with self._redis.pipeline(transaction=False) as pipe:
                for cid in senders:
                    pipe.hget(self._keys.handoff(cid), "doc")
                docs = await pipe.execute()
        updates: dict[str, str] = {}
        for cid, raw in zip(senders, docs, strict=True):
            if raw is None:
                continue  # not handed off: nothing to index
            doc = SearchDocument.model_validate_json(raw)
            if any([doc.fold(event) for event in by_sender[cid]]):
                updates[cid] = doc.model_dump_json()
        if updates:
            with store_call("update the search documents"):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for cid, doc_json in updates.items():
                        pipe.hset(self._keys.handoff(cid), "doc", doc_json)
                    await pipe.execute()
        return len(updates)
