"""Everything the assistant holds about one customer: found without a full scan, exported, erased.

Where a customer's data lives (key names in ``actions/keys.py``):

* store data: their customer record, their order list and each order, their id in
  the set of customer ids and their orders' ids in the set of order ids;
* their segment profile;
* the conversations indexed for them (``index.py``), plus any conversation that
  the event stream or the offer events tie to them (a ``customer_id`` slot event,
  an offer event naming them), and per conversation: the Rasa tracker, the emotion
  timeline, the handoff record and its place in the queue or the closed set, the
  marker that its CSAT rating was counted, offer exposure and acceptance markers;
* their own offer exposure markers (``offers:seen:<rule>:customer:<id>``);
* order lookup counters under hashes of their e-mail addresses and order numbers;
* stream entries: the event stream (``sender_id``), CSAT (``conversation_id``),
  offer events (``customer``, ``conversation``) and console audit entries whose
  target is them or one of their conversations, or whose details mention their
  id, e-mail address or name.

``find_customer_data`` reads all of it; ``export_document`` makes it one JSON
document; ``erase_customer`` deletes it, stream entries by id. Nothing here logs
or returns personal data except the export itself; ``ErasureReport`` holds counts.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from actions.errors import TopicsRunBusy
from actions.insights.overrides import TopicBoard
from actions.keys import Keys
from actions.privacy.index import linked_conversations
from actions.privacy.streams import StreamEntry, age_trimmed_streams, delete_entries, matching_entries
from actions.redis_edge import store_call, text

EXPORT_FORMAT = "cs-customer-export/1"
REDACTED = "[redacted]"
# Metadata fields that are credentials, not data: a customer token in an export file
# would let whoever holds the file chat as the customer until it expires.
CREDENTIAL_FIELDS = frozenset({"customer_token"})
# Discovery scans repeat while they find new conversations (at most twice in practice).
MAX_DISCOVERY_PASSES = 3
# Keys and ids per Redis call when deleting.
DELETE_BATCH = 500


MAX_CUSTOMER_ID_LENGTH = 64
CUSTOMER_ID_RULE = f"must be 1-{MAX_CUSTOMER_ID_LENGTH} visible characters, without spaces"


def valid_customer_id(value: str) -> bool:
    """Whether ``value`` may name a customer in a privacy request (the CLI and the console)."""
    return 0 < len(value) <= MAX_CUSTOMER_ID_LENGTH and value.isprintable() and " " not in value


def lookup_digest(value: str) -> str:
    """The hash under which order lookup failures count an e-mail or order number.

    The same as ``actions/store/lookup_limits.py`` (tested against it).
    """
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _json_or_text(raw: bytes | str | None) -> Any:
    if raw is None:
        return None
    value = text(raw)
    try:
        return json.loads(value)
    except ValueError:
        return value


def redact_credentials(value: Any) -> Any:
    """``value`` with every ``customer_token`` (at any depth) replaced by ``[redacted]``."""
    if isinstance(value, dict):
        return {
            name: REDACTED if name in CREDENTIAL_FIELDS and item else redact_credentials(item)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [redact_credentials(item) for item in value]
    return value


@dataclass(frozen=True)
class Mentions:
    """Whether a text names a customer: their id (as a whole word), an e-mail address or full name."""

    customer_id: str
    emails: frozenset[str]
    names: frozenset[str]

    @property
    def _id_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(self.customer_id)}(?![A-Za-z0-9_-])")

    def __call__(self, value: str) -> bool:
        """Whether ``value`` mentions the customer."""
        lowered = value.lower()
        return (
            any(email in lowered for email in self.emails)
            or any(name in lowered for name in self.names)
            or self._id_pattern.search(value) is not None
        )


@dataclass
class CustomerData:
    """What is held about one customer, read from Redis (``find_customer_data``)."""

    customer_id: str
    customer: Any = None
    listed_as_customer: bool = False
    orders: dict[str, Any] = field(default_factory=dict)
    profile: Any = None
    indexed_conversations: set[str] = field(default_factory=set)
    conversations: set[str] = field(default_factory=set)
    trackers: dict[str, Any] = field(default_factory=dict)
    emotion_timelines: dict[str, list[Any]] = field(default_factory=dict)
    handoffs: dict[str, dict[str, Any]] = field(default_factory=dict)
    handoff_queue: dict[str, float] = field(default_factory=dict)
    handoff_closed: dict[str, float] = field(default_factory=dict)
    # Agents' private notes on the conversation (they may quote the customer).
    agent_notes: dict[str, list[Any]] = field(default_factory=dict)
    # Conversation -> the score its "rated once" marker holds.
    csat_marks: dict[str, str] = field(default_factory=dict)
    offers_seen: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    offers_accepted: dict[str, Any] = field(default_factory=dict)
    order_lookup_limits: dict[str, Any] = field(default_factory=dict)
    # Stream name (``age_trimmed_streams``) -> the entries that concern the customer.
    stream_entries: dict[str, list[StreamEntry]] = field(default_factory=dict)
    # Keys that may hold their data although nothing was found in them (erased all the same).
    candidate_keys: set[str] = field(default_factory=set)

    @property
    def mentions(self) -> Mentions:
        """The customer's identifiers, for matching free text (audit details)."""
        return Mentions(self.customer_id, frozenset(self.emails), frozenset(self.names))

    @property
    def emails(self) -> set[str]:
        """Their e-mail addresses: the customer record's and their orders', lowercase."""
        found = {order.get("email") for order in self.orders.values() if isinstance(order, dict)}
        if isinstance(self.customer, dict):
            found.add(self.customer.get("email"))
        return {email.lower() for email in found if isinstance(email, str) and email}

    @property
    def names(self) -> set[str]:
        """Their full name, lowercase, as the store holds it."""
        if not isinstance(self.customer, dict):
            return set()
        first, last = self.customer.get("first_name"), self.customer.get("last_name")
        if not (isinstance(first, str) and isinstance(last, str) and first and last):
            return set()
        return {f"{first} {last}".lower()}

    @property
    def found_anything(self) -> bool:
        """Whether any data at all is held about the customer."""
        return any(self.summary().values()) or self.listed_as_customer

    def summary(self) -> dict[str, int]:
        """How much was found, per family (counts only: safe for logs and the audit log)."""
        counts = {
            "customer_record": int(self.customer is not None),
            "orders": len(self.orders),
            "profile": int(self.profile is not None),
            "conversations": len(self.conversations),
            "trackers": len(self.trackers),
            "emotion_timelines": len(self.emotion_timelines),
            "handoff_records": len(self.handoffs),
            "handoff_queue_places": len(self.handoff_queue) + len(self.handoff_closed),
            "csat_marks": len(self.csat_marks),
            "agent_notes": sum(len(notes) for notes in self.agent_notes.values()),
            "offer_markers": len(self.offers_seen) + len(self.offers_accepted),
            "order_lookup_counters": len(self.order_lookup_limits),
        }
        for name, entries in sorted(self.stream_entries.items()):
            counts[f"{name}_entries"] = len(entries)
        return counts


def export_document(data: CustomerData, now: datetime | None = None) -> dict[str, Any]:
    """Everything in ``data`` as one JSON-ready document (customer tokens redacted)."""
    document = {
        "format": EXPORT_FORMAT,
        "customer_id": data.customer_id,
        "exported_at": (now or datetime.now(UTC)).isoformat(),
        "summary": data.summary(),
        "store": {
            "customer": data.customer,
            "orders": [data.orders[order_id] for order_id in sorted(data.orders)],
        },
        "profile": data.profile,
        "conversations": [
            {
                "conversation_id": cid,
                "indexed": cid in data.indexed_conversations,
                "tracker": data.trackers.get(cid),
                "emotion_timeline": data.emotion_timelines.get(cid, []),
                "handoff": data.handoffs.get(cid),
                "handoff_waiting_since": data.handoff_queue.get(cid),
                "handoff_closed_at": data.handoff_closed.get(cid),
                "csat_rated": data.csat_marks.get(cid),
                "agent_notes": data.agent_notes.get(cid, []),
            }
            for cid in sorted(data.conversations)
        ],
        "offers": {
            "seen": {key: [list(pair) for pair in seen] for key, seen in data.offers_seen.items()},
            "accepted": data.offers_accepted,
        },
        "order_lookup_limits": data.order_lookup_limits,
        "streams": {
            name: [
                {"id": entry.entry_id, "fields": {k: _parsed_field(k, v) for k, v in entry.fields.items()}}
                for entry in entries
            ]
            for name, entries in sorted(data.stream_entries.items())
        },
    }
    redacted: dict[str, Any] = redact_credentials(document)
    return redacted


def _parsed_field(name: str, value: str) -> Any:
    # The event stream's ``event`` and the audit log's ``details`` hold JSON.
    return _json_or_text(value) if name in {"event", "details"} else value


async def find_customer_data(redis: Redis, keys: Keys, customer_id: str) -> CustomerData:
    """Read everything held about ``customer_id``.

    The conversations are the indexed ones plus those the offer events and the
    event stream tie to the customer; the capped streams are each read once from
    end to end (twice when a conversation was discovered during the first pass).

    Raises:
        StoreUnavailable: Redis did not answer.

    """
    data = CustomerData(customer_id)
    await _read_store_data(redis, keys, data)
    data.indexed_conversations = await linked_conversations(redis, keys, customer_id)
    data.conversations = set(data.indexed_conversations)
    await _read_conversation_streams(redis, keys, data)
    mentions = data.mentions
    data.stream_entries["csat"] = await matching_entries(
        redis, keys.csat, lambda entry: entry.fields.get("conversation_id") in data.conversations
    )
    data.stream_entries["audit"] = await matching_entries(
        redis,
        keys.audit,
        lambda entry: (
            entry.fields.get("target") in data.conversations
            or mentions(entry.fields.get("target", ""))
            or mentions(entry.fields.get("details", ""))
        ),
    )
    await _read_conversations(redis, keys, data)
    await _read_offer_markers(redis, keys, data)
    await _read_lookup_limits(redis, keys, data)
    return data


async def _read_store_data(redis: Redis, keys: Keys, data: CustomerData) -> None:
    cid = data.customer_id
    with store_call("read the customer's store data", with_cause=True):
        async with redis.pipeline(transaction=False) as pipe:
            pipe.get(keys.customer(cid))
            pipe.sismember(keys.customer_ids, cid)
            pipe.zrange(keys.customer_orders(cid), 0, -1)
            pipe.get(keys.profile(cid))
            customer, listed, order_ids, profile = await pipe.execute()
        ids = [text(order_id) for order_id in order_ids]
        orders = await redis.mget([keys.order(order_id) for order_id in ids]) if ids else []
    data.customer = _json_or_text(customer)
    data.listed_as_customer = bool(listed)
    data.profile = _json_or_text(profile)
    data.orders = {order_id: _json_or_text(raw) for order_id, raw in zip(ids, orders, strict=True)}
    data.candidate_keys |= {keys.customer(cid), keys.customer_orders(cid), keys.profile(cid)}
    data.candidate_keys |= {keys.order(order_id) for order_id in ids}


def _names_customer_in_slot(entry: StreamEntry, customer_id: str) -> bool:
    if entry.fields.get("type") != "slot":
        return False
    event = _json_or_text(entry.fields.get("event"))
    return isinstance(event, dict) and (event.get("name"), event.get("value")) == ("customer_id", customer_id)


async def _read_conversation_streams(redis: Redis, keys: Keys, data: CustomerData) -> None:
    """Offer events and the event stream: their entries, and the conversations they reveal."""
    cid = data.customer_id

    def offer_event(entry: StreamEntry) -> bool:
        if entry.fields.get("customer") == cid:
            data.conversations.add(entry.fields.get("conversation", ""))
            return True
        return entry.fields.get("conversation") in data.conversations

    def tracker_event(entry: StreamEntry) -> bool:
        sender = entry.fields.get("sender_id", "")
        if _names_customer_in_slot(entry, cid):
            data.conversations.add(sender)
        return sender in data.conversations

    for _ in range(MAX_DISCOVERY_PASSES):
        known = set(data.conversations)
        data.stream_entries["offer_events"] = await matching_entries(redis, keys.offer_events, offer_event)
        data.stream_entries["events"] = await matching_entries(redis, keys.events, tracker_event)
        data.conversations.discard("")
        if data.conversations == known:
            return


async def _read_conversations(redis: Redis, keys: Keys, data: CustomerData) -> None:
    conversations = sorted(data.conversations)
    if not conversations:
        return
    with store_call("read the customer's conversations", with_cause=True):
        async with redis.pipeline(transaction=False) as pipe:
            for cid in conversations:
                pipe.get(keys.tracker(cid))
                pipe.lrange(keys.emotion_timeline(cid), 0, -1)
                pipe.hgetall(keys.handoff(cid))
                pipe.zscore(keys.handoff_queue, cid)
                pipe.zscore(keys.handoff_closed, cid)
                pipe.get(keys.csat_rated(cid))
                pipe.lrange(keys.agent_notes(cid), 0, -1)
            replies = await pipe.execute()
    per_conversation = len(replies) // len(conversations)
    for index, cid in enumerate(conversations):
        first = index * per_conversation
        tracker, timeline, handoff, waiting, closed, rated, notes = replies[first : first + per_conversation]
        if tracker is not None:
            data.trackers[cid] = _json_or_text(tracker)
        if timeline:
            data.emotion_timelines[cid] = [_json_or_text(item) for item in timeline]
        if handoff:
            data.handoffs[cid] = {text(name): _json_or_text(value) for name, value in handoff.items()}
        if waiting is not None:
            data.handoff_queue[cid] = float(waiting)
        if closed is not None:
            data.handoff_closed[cid] = float(closed)
        if rated is not None:
            data.csat_marks[cid] = text(rated)
        if notes:
            data.agent_notes[cid] = [_json_or_text(note) for note in notes]
        data.candidate_keys |= {
            keys.tracker(cid),
            keys.emotion_timeline(cid),
            keys.handoff(cid),
            keys.csat_rated(cid),
            keys.agent_notes(cid),
        }


async def _offer_rule_ids(redis: Redis, keys: Keys, data: CustomerData) -> set[str]:
    """Every rule id that ever existed (each saved rule-set version) or that one of their events names."""
    rule_ids = {entry.fields.get("rule", "") for entry in data.stream_entries.get("offer_events", [])}
    with store_call("read the offer rule versions", with_cause=True):
        current = await redis.get(keys.offer_rules_current)
        latest = int(current) if current is not None else 0
        for first in range(1, latest + 1, DELETE_BATCH):
            versions = range(first, min(first + DELETE_BATCH, latest + 1))
            for raw in await redis.mget([keys.offer_rules_version(v) for v in versions]):
                saved = _json_or_text(raw)
                rules = saved.get("rules", []) if isinstance(saved, dict) else []
                rule_ids |= {rule.get("id", "") for rule in rules if isinstance(rule, dict)}
    rule_ids.discard("")
    return rule_ids


async def _read_offer_markers(redis: Redis, keys: Keys, data: CustomerData) -> None:
    rule_ids = sorted(await _offer_rule_ids(redis, keys, data))
    conversations = sorted(data.conversations)
    # The per-customer cap counts a signed-in customer, else the conversation (OfferContext.subject).
    subjects = [f"customer:{data.customer_id}", *(f"conversation:{cid}" for cid in conversations)]
    seen_keys = [keys.offer_seen(rule, subject) for rule in rule_ids for subject in subjects]
    accepted_keys = [keys.offer_accepted(rule, cid) for rule in rule_ids for cid in conversations]
    data.candidate_keys |= set(seen_keys) | set(accepted_keys)
    with store_call("read the customer's offer markers", with_cause=True):
        async with redis.pipeline(transaction=False) as pipe:
            for key in seen_keys:
                pipe.zrange(key, 0, -1, withscores=True)
            for key in accepted_keys:
                pipe.get(key)
            replies = await pipe.execute()
    for key, seen in zip(seen_keys, replies[: len(seen_keys)], strict=True):
        if seen:
            data.offers_seen[key] = [(text(member), float(score)) for member, score in seen]
    for key, accepted in zip(accepted_keys, replies[len(seen_keys) :], strict=True):
        if accepted is not None:
            data.offers_accepted[key] = text(accepted)


async def _read_lookup_limits(redis: Redis, keys: Keys, data: CustomerData) -> None:
    counters = [keys.order_lookup_failures("email", lookup_digest(email)) for email in sorted(data.emails)]
    counters += [keys.order_lookup_failures("order", lookup_digest(order)) for order in sorted(data.orders)]
    data.candidate_keys |= set(counters)
    if not counters:
        return
    with store_call("read the order lookup counters", with_cause=True):
        values = await redis.mget(counters)
    data.order_lookup_limits = {
        key: text(value) for key, value in zip(counters, values, strict=True) if value is not None
    }


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed: counts and an id for the request, never personal data."""

    erasure_id: str
    found: dict[str, int]
    keys_deleted: int
    stream_entries_deleted: dict[str, int]
    set_members_removed: int
    topic_examples_removed: int = 0

    def details(self) -> dict[str, Any]:
        """For the audit record of the erasure."""
        return {
            "erasure_id": self.erasure_id,
            "found": self.found,
            "keys_deleted": self.keys_deleted,
            "stream_entries_deleted": self.stream_entries_deleted,
            "set_members_removed": self.set_members_removed,
            "topic_examples_removed": self.topic_examples_removed,
        }


def _batches(items: Iterable[str], size: int = DELETE_BATCH) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def erase_customer(redis: Redis, keys: Keys, data: CustomerData) -> ErasureReport:
    """Delete everything ``find_customer_data`` found: stream entries by id, then keys, then the index.

    Idempotent: running it again (on a fresh ``find_customer_data``) finds nothing
    more, or what a conversation still running wrote in the meantime. The index goes
    last, so an erasure interrupted half-way still finds every conversation next time.

    Raises:
        StoreUnavailable: Redis did not answer (what was deleted so far stays deleted).

    """
    # First, while the conversation index still names them: an erasure that stops here finds them again.
    topic_examples = await _forget_in_topics(redis, keys, set(data.conversations))
    streams = age_trimmed_streams(keys)
    deleted_entries = {
        name: await delete_entries(redis, streams[name], [entry.entry_id for entry in entries])
        for name, entries in sorted(data.stream_entries.items())
    }
    conversations = sorted(data.conversations)
    keys_deleted = 0
    members_removed = 0
    with store_call("erase the customer's data", with_cause=True):
        for batch in _batches(sorted(data.candidate_keys)):
            keys_deleted += int(await redis.delete(*batch))
        async with redis.pipeline(transaction=True) as pipe:
            pipe.srem(keys.customer_ids, data.customer_id)
            if data.orders:
                pipe.srem(keys.order_ids, *sorted(data.orders))
            if conversations:
                pipe.zrem(keys.handoff_queue, *conversations)
                pipe.zrem(keys.handoff_closed, *conversations)
                pipe.zrem(keys.handoff_inbox, *conversations)
            members_removed = sum(int(removed) for removed in await pipe.execute())
        keys_deleted += int(await redis.delete(keys.customer_conversations(data.customer_id)))
    return ErasureReport(
        erasure_id=uuid.uuid4().hex,
        found=data.summary(),
        keys_deleted=keys_deleted,
        stream_entries_deleted=deleted_entries,
        set_members_removed=members_removed,
        topic_examples_removed=topic_examples,
    )


# A topics run holds its lock for a minute or two at most (docs/insights.md).
TOPICS_LOCK_WAIT_S = 180.0
TOPICS_LOCK_POLL_S = 1.0


async def _forget_in_topics(redis: Redis, keys: Keys, conversations: set[str]) -> int:
    """The conversations' masked examples out of the marketers' topics; waits for a running topics job.

    Raises:
        TopicsRunBusy: the topics job still held its lock after ``TOPICS_LOCK_WAIT_S``; nothing
            else was erased yet, so the erasure can simply be run again.

    """
    if not conversations:
        return 0
    board = TopicBoard(redis, keys)
    waited = 0.0
    while True:
        try:
            return await board.forget_conversations(conversations)
        except TopicsRunBusy:
            if waited >= TOPICS_LOCK_WAIT_S:
                raise
            await asyncio.sleep(TOPICS_LOCK_POLL_S)
            waited += TOPICS_LOCK_POLL_S
