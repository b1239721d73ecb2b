"""Customer satisfaction: the rating form and its submission."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.feedback.csat import CsatScore

logger = logging.getLogger(__name__)

_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}
_SCORE = re.compile(r"(?<!\d)([1-5])(?!\d)")


def parse_score(text: str) -> int | None:
    """A 1-5 score from '4', '4 stars', 'four out of five'."""
    lowered = text.lower()
    for word, digit in _WORDS.items():
        lowered = re.sub(rf"\b{word}\b", digit, lowered)
    match = _SCORE.search(lowered)
    return int(match.group(1)) if match else None


class ValidateFeedbackForm(FormValidationAction):
    """Keeps only a score from 1 to 5."""

    def name(self) -> str:
        """Action name."""
        return "validate_feedback_form"

    async def validate_csat_score(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Normalise the score or ask again."""
        score = parse_score(str(slot_value or ""))
        if score is None:
            dispatcher.utter_message(response="utter_invalid_csat_score")
            return {"csat_score": None}
        return {"csat_score": str(score)}


class ActionSubmitFeedback(ServiceAction):
    """Records the CSAT score and thanks the customer."""

    def name(self) -> str:
        """Action name."""
        return "action_submit_feedback"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Record the score, then clear the slot for a later rating."""
        score = CsatScore(conversation_id=tracker.sender_id, score=int(tracker.get_slot("csat_score")))
        await self.services.csat.record(score)
        logger.info("csat %d recorded for sender_id=%s", score.score, tracker.sender_id)
        dispatcher.utter_message(response="utter_thanks_feedback")
        return [SlotSet("csat_score", None)]
