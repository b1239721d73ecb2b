"""Handing off to a person, and what to do when the bot did not understand."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.handoff.queue import HandoffRequest

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the customer's latest messages in a row were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionRequestHandoff(ServiceAction):
    """Puts the conversation in the queue that support agents work from."""

    def name(self) -> str:
        """Action name."""
        return "action_request_handoff"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Queue the conversation with the reason, then tell the customer."""
        request = HandoffRequest(
            conversation_id=tracker.sender_id, reason="customer asked for a person"
        )
        await self.services.handoff.enqueue(request)
        logger.info("handoff queued for sender_id=%s", tracker.sender_id)
        dispatcher.utter_message(response="utter_handoff_queued")
        return []


class ActionHandleFallback(ServiceAction):
    """Asks to rephrase once; when the bot still doesn't understand, offers a person."""

    def name(self) -> str:
        """Action name."""
        return "action_handle_fallback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Choose between a rephrase request and the offer of a person."""
        if consecutive_fallbacks(tracker) >= 2:
            logger.info("repeated fallback for sender_id=%s", tracker.sender_id)
            dispatcher.utter_message(response="utter_offer_human")
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
        return []
