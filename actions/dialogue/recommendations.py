"""Recommendations: from what the customer asks for, else for who they are."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.dialogue.offers import CAROUSEL_CHANNELS, customer_text, offer_for_turn
from actions.dialogue.shopping import show_products
from actions.recommendations.carousel import carousel_payload, render_text, wording_from_domain
from actions.recommendations.models import Recommendation

logger = logging.getLogger(__name__)

RECOMMENDATIONS = 4


class ActionRecommendProducts(ServiceAction):
    """Products for what the customer asks, or for this customer, and the offer that applies.

    The products are shown as a carousel, or as text.
    """

    def name(self) -> str:
        """Action name."""
        return "action_recommend_products"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Search when the request says what for, else recommend; then the offer.

        A request that says what for: "a gift for my dad who hikes".
        """
        searched = await show_products(
            self.services, dispatcher, tracker, domain, tracker.latest_message.get("text") or ""
        )
        if searched is not None:
            return searched
        events: list[dict[str, Any]] = []
        signed_in = bool(tracker.get_slot("signed_in"))
        customer_id = tracker.get_slot("customer_id") if signed_in else None
        text = customer_text(tracker)
        if not signed_in:
            events += await self._provisional_segment(tracker, text)
        recommendations = await self.services.recommender.recommend(customer_id, text, limit=RECOMMENDATIONS)
        if recommendations:
            policy = await self.services.store.policy()
            wording = wording_from_domain(domain, policy.currency)
            dispatcher.utter_message(response="utter_recommendations_intro")
            if tracker.get_latest_input_channel() in CAROUSEL_CHANNELS:
                dispatcher.utter_message(json_message=dict(carousel_payload(recommendations, wording)))
            else:
                dispatcher.utter_message(text=render_text(recommendations, wording))
        else:
            dispatcher.utter_message(response="utter_no_recommendations")
        topic = _main_category(recommendations)
        if topic:
            events.append(SlotSet("topic", topic))
        # The provisional segment just set is not in the tracker yet: decide with it.
        tracker.slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        offer, offer_events = await offer_for_turn(
            self.services, tracker, tracker.get_intent_of_latest_message(), topic
        )
        if offer:
            dispatcher.utter_message(text=offer)
        logger.info(
            "recommended sender_id=%s signed_in=%s products=%s",
            tracker.sender_id, signed_in, [r.product_id for r in recommendations],
        )  # fmt: skip
        return events + offer_events

    async def _provisional_segment(self, tracker: Tracker, text: str) -> list[dict[str, Any]]:
        """An anonymous visitor's segment, guessed from what they said (kept until they sign in)."""
        guess = await self.services.provisional_segment(text)
        if guess is None:
            return []
        segment_id, label = guess
        return [
            SlotSet("segment", segment_id),
            SlotSet("segment_label", label),
            SlotSet("segment_provisional", True),
        ]


def _main_category(recommendations: list[Recommendation]) -> str | None:
    """The category most of the recommended products share (the first one's on a tie)."""
    categories = [r.category for r in recommendations]
    return Counter(categories).most_common(1)[0][0] if categories else None
