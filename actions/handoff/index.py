"""The agent inbox's search document of each handoff: written when it is queued, kept up as messages arrive.

With a thousand conversations waiting, a filter or a search in the agent console must
not read a thousand trackers. So each handoff carries a small document of what an
agent searches by (the signed-in customer's id and name, the e-mail addresses and
order numbers the customer gave, the channel, the customer's own words), built from
the tracker when the action server queues the handoff, and folded forward by the web
app from the ``events`` stream as the customer writes on (``web/agent/inbox.py``).

It is the ``doc`` field of the handoff's own hash: it expires, and is erased, with the
handoff record. The handoff's id also goes in the inbox's sorted set, which, unlike the
queue, keeps a conversation that moved to e-mail follow-up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from actions.errors import StoreDataError
from actions.keys import HANDOFF_TTL_S, Keys
from actions.redis_edge import parse_stored, store_call
from actions.store.models import Customer

logger = logging.getLogger(__name__)

# The customer's words are searched, not shown: the newest this many characters are kept.
SAID_MAX_CHARS = 4_000
# Distinct e-mail addresses or order numbers kept per conversation (the newest).
VALUES_MAX = 10


class SearchDocument(BaseModel):
    """What the inbox finds a handed-off conversation by, without reading its tracker."""

    customer_id: str | None = Field(default=None, description="the signed-in customer's id")
    name: str | None = Field(default=None, description="the signed-in customer's full name")
    emails: list[str] = Field(default_factory=list, description="e-mail addresses given, lowercased")
    order_ids: list[str] = Field(default_factory=list, description="order numbers given, without '#'")
    channel: str | None = Field(default=None, description="the input channel of the latest message")
    said: str = Field(default="", description="the customer's messages, lowercased, newest kept")
    through: float = Field(default=0.0, description="time of the newest event folded in")

    def fold(self, event: Mapping[str, Any]) -> bool:
        """Take one tracker event into account; whether the document changed.

        Events no newer than ``through`` were folded already (the tracker at enqueue
        time and the stream overlap): they are skipped, so folding twice is harmless.
        """
        at = float(event.get("timestamp") or 0.0)
        if at and at <= self.through:
            return False
        kind = event.get("event")
        changed = False
        if kind == "user":
            words = str(event.get("text") or "").strip()
            if words and not words.startswith("/"):  # a button's payload is not the customer's words
                self.said = f"{self.said}\n{words.lower()}"[-SAID_MAX_CHARS:].lstrip("\n")
                changed = True
            if event.get("input_channel"):
                self.channel = str(event["input_channel"])
                changed = True
        elif kind == "slot" and event.get("value"):
            changed = self._slot(str(event.get("name")), str(event["value"]))
        if changed and at:
            self.through = max(self.through, at)
        return changed

    def _slot(self, name: str, value: str) -> bool:
        if name == "email":
            return _add(self.emails, value.strip().lower())
        if name == "order_id":
            return _add(self.order_ids, value.strip().lstrip("#"))
        if name == "customer_id":
            self.customer_id = value
            return True
        return False

    def matches(self, needle: str) -> list[str]:
        """Which of the document's fields contain ``needle`` (lowercase): empty when none does."""
        found = []
        if self.customer_id and needle in self.customer_id.lower():
            found.append("customer id")
        if self.name and needle in self.name.lower():
            found.append("name")
        if any(needle in e for e in self.emails):
            found.append("e-mail")
        order = needle.lstrip("#")
        if order and any(order in o.lower() for o in self.order_ids):
            found.append("order number")
        if needle in self.said:
            found.append("message")
        return found


def _add(values: list[str], value: str) -> bool:
    if not value or value in values:
        return False
    values.append(value)
    del values[:-VALUES_MAX]
    return True


def document_of(events: Iterable[Mapping[str, Any]], signed_in: bool) -> SearchDocument:
    """The search document of a tracker's events; a visitor's ``customer_id`` is not trusted."""
    document = SearchDocument()
    for event in events:
        document.fold(event)
    if not signed_in:
        document.customer_id = None
    return document


async def customer_name(redis: Redis, keys: Keys, customer_id: str | None) -> str | None:
    """The store's name for a signed-in customer (None for a visitor or an unknown id)."""
    if not customer_id:
        return None
    key = keys.customer(customer_id)
    with store_call("read the customer"):
        raw = await redis.get(key)
    if raw is None:
        return None
    try:
        customer = parse_stored(Customer, raw, key)
    except StoreDataError:
        # The handoff matters more than its name: it is queued, found by the customer's id.
        logger.exception("inbox index: %s is unreadable; the handoff is indexed without a name", key)
        return None
    return f"{customer.first_name} {customer.last_name}"


def index_handoff(
    pipe: Pipeline, keys: Keys, conversation_id: str, requested_at: float, document: SearchDocument
) -> None:
    """Queue the commands that list the handoff in the inbox with its search document."""
    pipe.hset(keys.handoff(conversation_id), "doc", document.model_dump_json())
    # NX keeps the original waiting time when a customer asks twice, as the queue does.
    pipe.zadd(keys.handoff_inbox, {conversation_id: requested_at}, nx=True)
    # Bounded like the queue: entries older than a handoff's lifetime have lost their record.
    pipe.zremrangebyscore(keys.handoff_inbox, "-inf", requested_at - HANDOFF_TTL_S)
