"""Order status and return eligibility, once the forms have the order and e-mail."""

from __future__ import annotations

import logging
from abc import abstractmethod
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.dialogue.formatting import format_date, format_items, format_status
from actions.store.models import Order
from actions.store.returns import assess_return

logger = logging.getLogger(__name__)

# The last order number and e-mail that did not match each other.
FAILED_LOOKUP_SLOT = "failed_lookup"

_STATUS_RESPONSES = {
    "processing": "utter_order_processing",
    "shipped": "utter_order_shipped",
    "in_transit": "utter_order_shipped",
    "delivered": "utter_order_delivered",
    "cancelled": "utter_order_cancelled",
    "returned": "utter_order_returned",
}


class OrderLookupAction(ServiceAction):
    """Looks up the order named by the ``order_id`` and ``email`` slots.

    A wrong pair clears both slots and counts a failure; after too many the
    customer is offered a person instead of more guesses.
    """

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Find the order, then let the subclass answer about it."""
        order_id = tracker.get_slot("order_id") or ""
        email = tracker.get_slot("email") or ""
        failures = int(tracker.get_slot("order_lookup_failures") or 0)
        limits = self.services.lookup_limits
        if failures >= self.services.settings.max_order_lookup_failures or await limits.refused(
            order_id, email
        ):
            # Past the limit no pair is looked up at all: guessing order numbers for a
            # known e-mail must not eventually succeed, in this conversation or another.
            logger.info("order lookup refused for sender_id=%s: too many wrong pairs", tracker.sender_id)
            dispatcher.utter_message(response="utter_order_lookup_give_up")
            return [SlotSet("order_id", None), SlotSet("email", None), FollowupAction("utter_offer_human")]
        order = await self.services.store.find_order(order_id, email)
        if order is None:
            await limits.record_failure(order_id, email)
            return self._not_found(dispatcher, tracker)
        await limits.record_success(email)
        # The conversation now holds this customer's order: export and erasure must find it.
        await self.services.link_conversation(order.customer_id, tracker.sender_id)
        logger.info("order found for sender_id=%s", tracker.sender_id)
        events = await self.answer(order, dispatcher)
        # Only a verified order's total is remembered: offer rules may condition on it.
        return [
            SlotSet("order_lookup_failures", 0),
            SlotSet(FAILED_LOOKUP_SLOT, None),
            SlotSet("order_value", order.total),
            *events,
        ]

    @abstractmethod
    async def answer(self, order: Order, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        """Tell the customer about their order."""

    def _not_found(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        failures = int(tracker.get_slot("order_lookup_failures") or 0) + 1
        logger.info("order lookup failed for sender_id=%s (failure %d)", tracker.sender_id, failures)
        events: list[dict[str, Any]] = [
            SlotSet("order_id", None),
            SlotSet("email", None),
            SlotSet("order_lookup_failures", failures),
            # The customer usually corrects one of the two: the other is taken from here.
            SlotSet(
                FAILED_LOOKUP_SLOT,
                {"order_id": tracker.get_slot("order_id"), "email": tracker.get_slot("email")},
            ),
        ]
        if failures >= self.services.settings.max_order_lookup_failures:
            dispatcher.utter_message(response="utter_order_lookup_give_up")
            # As an action (not just a message), so the rules for "yes"/"no" apply.
            events.append(FollowupAction("utter_offer_human"))
        else:
            dispatcher.utter_message(response="utter_order_not_found")
        return events


class ActionShowOrderStatus(OrderLookupAction):
    """Tells a verified customer where their order is."""

    def name(self) -> str:
        """Action name."""
        return "action_show_order_status"

    async def answer(self, order: Order, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        """Answer with the response for the order's status."""
        policy = await self.services.store.policy()
        dispatcher.utter_message(
            response=_STATUS_RESPONSES[order.status],
            order_id=order.id,
            placed_date=format_date(order.placed_at),
            delivered_date=format_date(order.delivered_at),
            estimated_delivery=format_date(order.estimated_delivery),
            carrier=order.carrier or "our carrier",
            tracking_number=order.tracking_number or "not assigned yet",
            items=format_items(order.items),
            refund_days=policy.refund_days,
        )
        return []


class ActionCheckReturnEligibility(OrderLookupAction):
    """Applies the store's return policy to a verified customer's order."""

    def name(self) -> str:
        """Action name."""
        return "action_check_return_eligibility"

    async def answer(self, order: Order, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        """Answer with the verdict, its deadline and the excluded items."""
        policy = await self.services.store.policy()
        assessment = assess_return(order, policy, date.today())
        values = {
            "order_id": order.id,
            "order_status": format_status(order.status),
            "delivered_date": format_date(order.delivered_at),
            "return_deadline": format_date(assessment.deadline),
            "return_window_days": policy.return_window_days,
            "refund_days": policy.refund_days,
        }
        verdict = assessment.verdict
        if verdict == "eligible":
            dispatcher.utter_message(
                response="utter_return_eligible", **values, items=format_items(assessment.returnable)
            )
            if assessment.excluded:
                dispatcher.utter_message(
                    response="utter_return_some_excluded", items=format_items(assessment.excluded)
                )
        elif verdict == "nothing_returnable":
            dispatcher.utter_message(
                response="utter_return_nothing_returnable",
                **values,
                items=format_items(assessment.excluded),
            )
        else:
            dispatcher.utter_message(response=f"utter_return_{verdict}", **values)
        return []
