"""Context at a glance for one handed-off conversation: summary, verified order, customer, emotion.

What the conversation route adds to the transcript, in words and plain values (no
raw JSON reaches the console). A part whose store data cannot be read is left out
with a note in the log, as the bot does: the transcript still opens.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from actions.emotion.timeline import TimelineEntry
from actions.errors import AssistantError
from actions.handoff.queue import HandoffRequest
from web.agent.order_panel import CustomerPanel, OrderPanel, signed_in_customer, verified_order
from web.agent.summary import ConversationSummary, emotion_in_words, summarise
from web.agent.transcript import OfferShown
from web.services import WebServices

logger = logging.getLogger(__name__)


class ConversationContext(BaseModel):
    """The side panel's context of one conversation."""

    summary: ConversationSummary
    order: OrderPanel | None
    customer: CustomerPanel | None
    emotion_words: list[str]


async def context_of(
    services: WebServices,
    events: Sequence[Mapping[str, Any]],
    slots: Mapping[str, Any],
    request: HandoffRequest | None,
    timeline: Sequence[TimelineEntry],
    offers: Sequence[OfferShown],
) -> ConversationContext:
    """Summary, verified order, signed-in customer and emotion in words of one conversation."""
    today = datetime.now(UTC).date()
    order: OrderPanel | None = None
    customer: CustomerPanel | None = None
    try:
        order = await verified_order(services.store, slots, today)
    except AssistantError:
        logger.exception("agent console: the verified order could not be read; shown without it")
    try:
        customer = await signed_in_customer(services.redis, services.keys, slots)
    except AssistantError:
        logger.exception("agent console: the signed-in customer could not be read; shown without it")
    shown = [o.rule_id + (f" / {o.variant_id}" if o.variant_id else "") for o in offers]
    return ConversationContext(
        summary=summarise(events, slots, request, order is not None, shown),
        order=order,
        customer=customer,
        emotion_words=emotion_in_words(timeline),
    )
