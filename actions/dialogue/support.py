"""Handing off to a person, and what to do when the bot did not understand."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import metrics
from actions.dialogue.base import ServiceAction
from actions.errors import AssistantError, StoreUnavailable
from actions.handoff.index import document_of
from actions.handoff.queue import HandoffRequest
from actions.handoff.wording import opening_phrase, out_of_hours_reply

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the customer's latest messages in a row were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if (
            event.get("event") in ("resume", "session_started")
            or event.get("name") == "action_request_handoff"
        ):
            break  # a handoff or a new session starts the count afresh
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionRequestHandoff(ServiceAction):
    """Hands the conversation to a person: queues it with its reason and pauses the bot.

    The reason and priority come from the escalation policy (slots
    ``handoff_reason`` and ``handoff_priority``) or, when the customer accepted
    an offered person, say so. While paused the bot stays silent; an agent's
    ``ConversationResumed`` lets it carry on with its slots.
    """

    def name(self) -> str:
        """Action name."""
        return "action_request_handoff"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Queue, tell the customer, pause."""
        reason = tracker.get_slot("handoff_reason") or "customer accepted the offer of a person"
        request = HandoffRequest(
            conversation_id=tracker.sender_id,
            reason=reason,
            priority=tracker.get_slot("handoff_priority") or "normal",
            segment=tracker.get_slot("segment_label"),
            emotion=tracker.get_slot("emotion"),
        )
        try:
            signed_in = bool(tracker.get_slot("signed_in"))
            await self.services.handoff.enqueue(request, document_of(tracker.events, signed_in))
        except StoreUnavailable:
            logger.exception("handoff could not be queued for sender_id=%s", tracker.sender_id)
            metrics.handoff_requested(reason, request.priority, queued=False)
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return [
                SlotSet("handoff_due", False),
                SlotSet("handoff_reason", None),
                SlotSet("handoff_priority", None),
            ]
        logger.info("handoff queued for sender_id=%s: %s", tracker.sender_id, reason)
        metrics.handoff_requested(reason, request.priority, queued=True)
        # ``handoff="queued"`` reaches the widget (rasa_addons/socketio_channel.py passes it through):
        # it shows the waiting banner with the customer's place in the queue.
        closed = await self._out_of_hours_reply(tracker)
        if closed is not None:
            dispatcher.utter_message(text=closed, handoff="queued")
        else:
            upset = tracker.get_slot("tone_hint") in ("apologise_first", "be_brief", "reassure")
            response = "utter_handoff_queued_apology" if upset else "utter_handoff_queued"
            dispatcher.utter_message(response=response, handoff="queued")
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            # The queue holds the reason now; a later handoff must not inherit it.
            SlotSet("handoff_due", False),
            SlotSet("handoff_reason", None),
            SlotSet("handoff_priority", None),
            # Listen before pausing: messages that arrive while paused then follow
            # an action_listen, as after any bot turn, so that once resumed the
            # rules recognise the conversation's state and the bot carries on.
            ActionExecuted("action_listen"),
            ConversationPaused(),
        ]

    async def _out_of_hours_reply(self, tracker: Tracker) -> str | None:
        """The reply naming when the team is back and asking for an e-mail; None in hours.

        A store without support hours in its policy, or whose policy cannot be read this turn,
        is treated as staffed: the customer gets the usual reply rather than none.
        """
        try:
            hours = (await self.services.store.policy()).support_hours
        except AssistantError:
            logger.exception("store policy unreadable at handoff for sender_id=%s", tracker.sender_id)
            return None
        now = datetime.now(UTC)
        if hours is None or hours.is_open(now):
            return None
        opening = hours.next_opening(now)
        logger.info("handoff out of hours for sender_id=%s", tracker.sender_id)
        return out_of_hours_reply(opening_phrase(opening, now, hours.timezone_label) if opening else None)
