"""Offers in the conversation.

What the rules see of a turn, the offer to show, acceptances, carousel clicks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.dialogue.form_validation import is_question
from actions.errors import AssistantError
from actions.offers.context import OfferContext
from actions.services import Services

logger = logging.getLogger(__name__)

# Channels whose client draws the carousel payload; the rest get numbered text.
CAROUSEL_CHANNELS = frozenset({"socketio"})
# Customer messages that describe what an anonymous visitor is after.
TEXT_TURNS = 5
COMPLAINT_INTENTS = frozenset({"complaint"})
# An upset customer who then asks something calmly is still upset: upsells wait
# until the emotion step has allowed them on this many customer turns in a row.
CALM_TURNS_BEFORE_UPSELL = 3


def upsell_allowed_lately(tracker: Tracker, turns: int = CALM_TURNS_BEFORE_UPSELL) -> bool:
    """Whether none of the customer's last ``turns`` messages forbade an upsell."""
    readings = [
        e.get("value")
        for e in tracker.events
        if e.get("event") == "slot" and e.get("name") == "upsell_allowed"
    ]
    return all(value is not False for value in readings[-turns:])


def customer_text(tracker: Tracker, turns: int = TEXT_TURNS) -> str:
    """The customer's last few typed messages, oldest first (button payloads left out)."""
    texts = [
        e.get("text") or ""
        for e in tracker.events
        if e.get("event") == "user" and e.get("text") and not str(e.get("text")).startswith("/")
    ]
    return " ".join(texts[-turns:])


# The store's page may send the cart's value with each message (widget config
# ``cartValue`` -> message metadata); anything above this is a broken page, not a cart.
CART_VALUE_FIELD = "cart_value"
MAX_CART_VALUE = 1_000_000.0


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def cart_value(tracker: Tracker) -> float | None:
    """The cart value the store's page sent with the latest message, if it is a sane amount."""
    metadata = tracker.latest_message.get("metadata") or {}
    raw = metadata.get(CART_VALUE_FIELD) if isinstance(metadata, dict) else None
    value = _float(raw)
    if raw is not None and (value is None or not 0 <= value <= MAX_CART_VALUE):
        # Logged, not fatal: a broken page must not cost the customer their answer.
        logger.warning(
            "ignoring %s=%r from sender_id=%s: not an amount", CART_VALUE_FIELD, raw, tracker.sender_id
        )
        return None
    return value


def offer_context(
    tracker: Tracker, intent: str | None, topic: str | None = None, product_ids: Sequence[str] = ()
) -> OfferContext:
    """The offer rules' view of this turn, read from the slots once.

    ``topic`` is what this turn is about when the caller knows it (the category of the
    passage that answered); otherwise the conversation's ``topic`` slot. ``product_ids``
    are the products the customer is looking at (asked about or shown).
    """
    signed_in = bool(tracker.get_slot("signed_in"))
    sentiment = _float(tracker.get_slot("sentiment")) or 0.0
    tenure = _float(tracker.get_slot("tenure_days"))
    in_complaint = any(
        e.get("event") == "user"
        and (e.get("parse_data") or {}).get("intent", {}).get("name") in COMPLAINT_INTENTS
        for e in tracker.events[-12:]
    )
    return OfferContext(
        conversation_id=tracker.sender_id,
        customer_id=tracker.get_slot("customer_id") if signed_in else None,
        segment=tracker.get_slot("segment"),
        segment_label=tracker.get_slot("segment_label"),
        intent=intent,
        emotion=tracker.get_slot("emotion"),
        sentiment=max(-1.0, min(1.0, sentiment)),
        upsell_allowed=tracker.get_slot("upsell_allowed") is not False and upsell_allowed_lately(tracker),
        in_complaint=in_complaint,
        customer_value=_float(tracker.get_slot("customer_value")) if signed_in else None,
        tenure_days=int(tenure) if tenure is not None and signed_in else None,
        topic=topic or tracker.get_slot("topic"),
        cart_value=cart_value(tracker),
        order_value=_float(tracker.get_slot("order_value")),
        channel=tracker.get_latest_input_channel(),
        product_ids=tuple(product_ids),
    )


async def offer_for_turn(
    services: Services,
    tracker: Tracker,
    intent: str | None,
    topic: str | None = None,
    product_ids: Sequence[str] = (),
) -> tuple[str | None, list[dict[str, Any]]]:
    """The offer to show now (its message, verbatim) and the slots that remember it; none if Redis fails."""
    try:
        decision = await services.offers.decide(offer_context(tracker, intent, topic, product_ids))
    except AssistantError:
        # An offer is a bonus: the customer's answer must not depend on it.
        logger.exception("offer decision failed for sender_id=%s; no offer this turn", tracker.sender_id)
        return None, []
    logger.info(
        "offer decision sender_id=%s outcome=%s rule=%s unhappy=%s",
        tracker.sender_id,
        decision.outcome,
        decision.offer.rule_id if decision.offer else None,
        decision.unhappy,
    )
    if decision.offer is None:
        return None, []
    return decision.offer.message, [
        SlotSet("offer_rule", decision.offer.rule_id),
        SlotSet("offer_variant", decision.offer.variant_id),
    ]


class ActionAcceptOffer(ServiceAction):
    """Records that the customer took the offer shown in this conversation."""

    def name(self) -> str:
        """Action name."""
        return "action_accept_offer"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Feed the acceptance to the bandit and confirm; say so when there is nothing to accept."""
        rule, variant = tracker.get_slot("offer_rule"), tracker.get_slot("offer_variant")
        if not rule or not variant:
            if is_question(tracker.latest_message.get("text") or ""):
                # "can I use it with a promo code?" is a question about codes, not an acceptance.
                return [FollowupAction("action_answer_question")]
            dispatcher.utter_message(response="utter_no_offer_to_accept")
            return []
        customer_id = tracker.get_slot("customer_id") if tracker.get_slot("signed_in") else None
        engine = self.services.offers
        exposure = await engine.exposure_for(
            tracker.sender_id, rule, variant, customer_id, tracker.get_slot("segment")
        )
        if not await engine.record_accept(exposure):
            dispatcher.utter_message(response="utter_no_offer_to_accept")
            return [SlotSet("offer_rule", None), SlotSet("offer_variant", None)]
        logger.info("offer accepted sender_id=%s rule=%s variant=%s", tracker.sender_id, rule, variant)
        dispatcher.utter_message(response="utter_offer_accepted")
        return [SlotSet("offer_rule", None), SlotSet("offer_variant", None)]


class ActionDescribeProduct(ServiceAction):
    """A product picked from the carousel, described from the catalogue."""

    def name(self) -> str:
        """Action name."""
        return "action_describe_product"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Quote the product's catalogue entry; unknown ids get the honest "not sure"."""
        product_id = next(tracker.get_latest_entity_values("product_id"), None)
        # The knowledge snapshot already in memory holds every product's passage: no catalogue read per click.
        passages = await self.services.retriever.source_passages(str(product_id)) if product_id else []
        if not passages or passages[0].kind != "product":
            dispatcher.utter_message(response="utter_answer_unknown")
            return []
        dispatcher.utter_message(text=passages[0].text)
        return [SlotSet("topic", passages[0].topic)]
