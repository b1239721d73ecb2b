"""Session start: a conversation waiting for a person stays paused across sessions."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

logger = logging.getLogger(__name__)


def waiting_for_a_person(tracker: Tracker) -> bool:
    """Whether the latest pause/resume event in the conversation is a pause."""
    for event in reversed(tracker.events):
        if event.get("event") == "pause":
            return True
        if event.get("event") == "resume":
            return False
    return False


class ActionSessionStart(Action):
    """Starts a session with empty slots; re-pauses a conversation handed to a person.

    Rasa's ``SessionStarted`` un-pauses the tracker, so without this a customer
    who waits longer than the session expiry for a person would get bot replies
    while their conversation is still in the handoff queue.
    """

    def name(self) -> str:
        """Rasa's fixed name for the session start action."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """SessionStarted, a pause if the conversation was paused, then listen."""
        events: list[dict[str, Any]] = [SessionStarted()]
        if waiting_for_a_person(tracker):
            logger.info("new session stays paused for sender_id=%s", tracker.sender_id)
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events
