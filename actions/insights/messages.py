"""Customer messages read from the event stream, from where the topics job stopped last time.

The event broker (``rasa_addons/event_broker.py``) appends every tracker event to the
``events`` stream with the fields ``sender_id``, ``type`` and ``event`` (the event as
JSON). A customer's message is a ``user`` event with its ``text``, ``timestamp`` and
``parse_data.intent``. Read and kept as subjects: messages with words, not button
payloads (``/intent{...}``) and not the replies that carry no subject of their own
(greetings, thanks, yes/no, a rating, an order number or e-mail given to a form,
picking a shown product: ``NOT_A_SUBJECT``). The broker can write a message twice (once
when Rasa reads it, once when the turn is saved, in different workers); a message is
read once per run by its conversation and timestamp.

The same pass reads what followed a message, for the per-topic measures
(``docs/insights.md``, "Measures"): the kind of the assistant's answer (a ``bot`` event
whose ``metadata.answer_kind`` is an ``AnswerKind`` of ``actions/answering/answerer.py``),
attributed to the conversation's latest customer message before it, and hand-off requests
(the ``action`` event ``action_request_handoff``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, cast

from redis import Redis

from actions.insights.models import day_of
from actions.keys import Keys
from actions.redis_edge import store_call, text

logger = logging.getLogger(__name__)

# Intents whose messages answer the assistant rather than raise a subject (bot/domain/).
NOT_A_SUBJECT = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "nevermind",
        "rate",
        "inform",
        "choose_product",
        "bot_challenge",
    }
)
PAGE = 2_000
# The answer kinds the answering actions put in their bot event's metadata (``AnswerKind``).
ANSWER_KINDS = frozenset({"generated", "extractive", "partial", "unknown", "refused"})
# The action every hand-off request runs (actions/dialogue/support.py).
HANDOFF_ACTION = "action_request_handoff"


@dataclass(frozen=True)
class CustomerMessage:
    """One customer message; ``text`` is as the customer wrote it (mask before storing or showing)."""

    entry_id: str
    conversation_id: str
    text: str
    timestamp: float
    intent: str | None
    message_id: str | None = None  # Rasa's id of the message: what the emotion timeline records

    @property
    def key(self) -> str:
        """The message's identity: its conversation and its timestamp."""
        return f"{self.conversation_id}|{self.timestamp!r}"

    @property
    def day(self) -> str:
        """Its UTC day, ``YYYY-MM-DD``."""
        return day_of(self.timestamp)


@dataclass
class StreamBatch:
    """Messages read and the id of the last stream entry looked at (the next run starts after it)."""

    messages: list[CustomerMessage]
    last_id: str
    entries_read: int
    answers: dict[str, str] = field(default_factory=dict)  # message key -> kind of the answer after it
    handoffs: list[tuple[str, float]] = field(default_factory=list)  # (conversation, time) per request


def read_messages(redis: Redis, keys: Keys, after: str, limit: int) -> StreamBatch:
    """Up to ``limit`` subject messages from the entries after ``after`` (a stream id, ``0-0``: all).

    Stops at the end of the stream or at the page where the limit is reached; entries of
    that page after the limit are left for the next call. An answer is attributed to the
    latest customer message of its conversation read in the same call (a message with no
    subject takes its answer too, which is then not counted); a second answer to the same
    message (a question in several parts) does not replace the first.
    """
    batch = StreamBatch([], after, 0)
    seen: set[str] = set()
    latest: dict[str, str | None] = {}  # conversation -> key of its latest subject message, None: other
    while len(batch.messages) < limit:
        with store_call("read the event stream", with_cause=True):
            raw = redis.xrange(keys.events, min=f"({batch.last_id}", max="+", count=PAGE)
        page = cast(list[tuple[Any, dict[Any, Any]]], raw or [])
        if not page:
            break
        for raw_id, fields in page:
            batch.last_id = text(raw_id)
            batch.entries_read += 1
            decoded = {text(k): text(v) for k, v in fields.items()}
            kind = decoded.get("type")
            if kind == "user":
                message = parse_entry(batch.last_id, decoded)
                conversation = decoded.get("sender_id") or ""
                if message is None:
                    latest[conversation] = None
                elif message.key not in seen:
                    seen.add(message.key)
                    batch.messages.append(message)
                    latest[message.conversation_id] = message.key
            elif kind in ("bot", "action"):
                _follow_up(batch, decoded, latest)
            if len(batch.messages) >= limit:
                break
    return batch


def _follow_up(batch: StreamBatch, decoded: dict[str, str], latest: dict[str, str | None]) -> None:
    """Note an answer's kind against the message it answers, or a hand-off request."""
    try:
        event = cast(dict[str, Any], json.loads(decoded.get("event", "")))
    except ValueError:
        return
    if not isinstance(event, dict):
        return
    conversation = decoded.get("sender_id") or str(event.get("sender_id") or "")
    if decoded.get("type") == "action":
        at = event.get("timestamp")
        if event.get("name") == HANDOFF_ACTION and isinstance(at, int | float):
            batch.handoffs.append((conversation, float(at)))
        return
    metadata = event.get("metadata")
    answer_kind = metadata.get("answer_kind") if isinstance(metadata, dict) else None
    question = latest.get(conversation)
    if answer_kind in ANSWER_KINDS and question is not None and question not in batch.answers:
        batch.answers[question] = str(answer_kind)


def parse_entry(entry_id: str, fields: dict[Any, Any]) -> CustomerMessage | None:
    """The customer message of one stream entry, or None for any other event or a non-subject."""
    decoded = {text(k): text(v) for k, v in fields.items()}
    if decoded.get("type") != "user":
        return None
    try:
        event = cast(dict[str, Any], json.loads(decoded.get("event", "")))
        body = str(event.get("text") or "").strip()
        timestamp = float(event["timestamp"])
    except (ValueError, KeyError, TypeError):
        logger.warning("topics: stream entry %s is not a readable user event; skipped", entry_id)
        return None
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    if not body or body.startswith("/") or intent in NOT_A_SUBJECT:
        return None
    conversation = decoded.get("sender_id") or str(event.get("sender_id") or "")
    message_id = event.get("message_id")
    return CustomerMessage(
        entry_id,
        conversation,
        body,
        timestamp,
        intent if isinstance(intent, str) else None,
        message_id if isinstance(message_id, str) and message_id else None,
    )
