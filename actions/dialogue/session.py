"""Session start: who the customer is, and a conversation waiting for a person stays paused."""

from __future__ import annotations

import logging
import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.errors import AssistantError
from actions.identity.metadata import vouched_customer

logger = logging.getLogger(__name__)


def waiting_for_a_person(tracker: Tracker) -> bool:
    """Whether the latest pause/resume event in the conversation is a pause."""
    for event in reversed(tracker.events):
        if event.get("event") == "pause":
            return True
        if event.get("event") == "resume":
            return False
    return False


class ActionSessionStart(ServiceAction):
    """Starts a session with empty slots, then the customer's profile if the store vouches for them.

    The store's website signs the customer id (``actions/identity``), the widget
    sends the token as session metadata, and the Rasa server replaces it with its
    word for the verified customer, bound to this conversation. Without that (no,
    an expired or a forged token) the visitor is anonymous: never an error, never
    anyone's data.
    Rasa's ``SessionStarted`` un-pauses the tracker, so a conversation still in
    the handoff queue is paused again, or the bot would talk over the person.
    """

    def name(self) -> str:
        """Rasa's fixed name for the session start action."""
        return "action_session_start"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """SessionStarted, the verified customer's profile, a pause if the conversation was paused.

        Then listen.
        """
        events: list[dict[str, Any]] = [SessionStarted(), *await self._customer_slots(tracker)]
        if waiting_for_a_person(tracker):
            logger.info("new session stays paused for sender_id=%s", tracker.sender_id)
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events

    async def _customer_slots(self, tracker: Tracker) -> list[dict[str, Any]]:
        customer_id = vouched_customer(
            tracker.get_slot("session_started_metadata"),
            tracker.sender_id,
            self.services.settings.action_server_token.get_secret_value(),
            time.time(),
        )
        if customer_id is None:
            return []
        await self.services.link_conversation(customer_id, tracker.sender_id)
        events: list[dict[str, Any]] = [SlotSet("customer_id", customer_id), SlotSet("signed_in", True)]
        try:
            profile = await self.services.profile(customer_id)
        except AssistantError:
            # Signed in but without a profile this turn: still known, just not personalised.
            logger.exception(
                "profile of a signed-in customer unavailable for sender_id=%s", tracker.sender_id
            )
            return events
        if profile is None:
            logger.info("signed-in customer without a profile yet, sender_id=%s", tracker.sender_id)
            return events
        logger.info("signed-in customer, segment %s, sender_id=%s", profile.segment_id, tracker.sender_id)
        return events + [
            SlotSet("segment", str(profile.segment_id)),
            SlotSet("segment_label", profile.segment_label),
            SlotSet("customer_value", profile.features.monetary),
            SlotSet("tenure_days", profile.features.tenure_days),
        ]
