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
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
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


@dataclass(frozen=True)
class CustomerMessage:
    """One customer message; ``text`` is as the customer wrote it (mask before storing or showing)."""

    entry_id: str
    conversation_id: str
    text: str
    timestamp: float
    intent: str | None

    @property
    def key(self) -> str:
        """The message's identity: its conversation and its timestamp."""
        return f"{self.conversation_id}|{self.timestamp!r}"

    @property
    def day(self) -> str:
        """Its UTC day, ``YYYY-MM-DD``."""
        return day_of(self.timestamp)


@dataclass(frozen=True)
class StreamBatch:
    """Messages read and the id of the last stream entry looked at (the next run starts after it)."""

    messages: list[CustomerMessage]
    last_id: str
    entries_read: int


def read_messages(redis: Redis, keys: Keys, after: str, limit: int) -> StreamBatch:
    """Up to ``limit`` subject messages from the entries after ``after`` (a stream id, ``0-0``: all).

    Stops at the end of the stream or at the page where the limit is reached; entries of
    that page after the limit are left for the next call.
    """
    messages: list[CustomerMessage] = []
    seen: set[str] = set()
    last_id, read = after, 0
    while len(messages) < limit:
        with store_call("read the event stream", with_cause=True):
            raw = redis.xrange(keys.events, min=f"({last_id}", max="+", count=PAGE)
        page = cast(list[tuple[Any, dict[Any, Any]]], raw or [])
        if not page:
            break
        for raw_id, fields in page:
            last_id = text(raw_id)
            read += 1
            message = parse_entry(last_id, fields)
            if message is not None and message.key not in seen:
                seen.add(message.key)
                messages.append(message)
            if len(messages) >= limit:
                break
    return StreamBatch(messages, last_id, read)


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
    return CustomerMessage(
        entry_id, conversation, body, timestamp, intent if isinstance(intent, str) else None
    )
