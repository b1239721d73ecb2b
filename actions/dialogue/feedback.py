"""Customer satisfaction: the rating form and its submission."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.dialogue.form_validation import (
    InterruptibleFormValidation,
    SlotShape,
    answering_the_form,
    is_question,
)
from actions.feedback.csat import CsatScore

logger = logging.getLogger(__name__)

_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5"}
_SCORE = re.compile(r"(?<!\d)([1-5])(?!\d)")
# Intents a typed score may come with ("5", "four stars", "it was a 3").
SCORE_INTENTS = frozenset({"rate", "inform", "nlu_fallback", "give_feedback"})


def parse_score(text: str) -> int | None:
    """A 1-5 score from '4', '4 stars', 'four out of five'."""
    lowered = text.lower()
    for word, digit in _WORDS.items():
        lowered = re.sub(rf"\b{word}\b", digit, lowered)
    match = _SCORE.search(lowered)
    return int(match.group(1)) if match else None


# Text meant as a score: a number, or a number word.
_SCORE_LIKE = re.compile(
    r"\d|\b(?:one|two|three|four|five|zero|six|seven|eight|nine|ten|stars?)\b", re.IGNORECASE
)
CSAT_SHAPE = SlotShape(lambda text: None if (score := parse_score(text)) is None else str(score), _SCORE_LIKE,
                       "utter_invalid_csat_score")  # fmt: skip


class ValidateFeedbackForm(InterruptibleFormValidation):
    """Keeps only a score from 1 to 5; a question in between is answered by the form's rules."""

    own_intents = frozenset({"give_feedback"})

    def name(self) -> str:
        """Action name."""
        return "validate_feedback_form"

    def shapes(self) -> Mapping[str, SlotShape]:
        """The score."""
        return {"csat_score": CSAT_SHAPE}

    async def extract_csat_score(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A typed score ("4 stars", "five") when the form has just asked for it and no button was used."""
        if tracker.get_slot(REQUESTED_SLOT) != "csat_score" or not answering_the_form(tracker):
            return {}
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        if is_question(text) or (latest.get("intent") or {}).get("name") not in SCORE_INTENTS:
            return {}
        score = parse_score(text)
        return {} if score is None else {"csat_score": str(score)}

    async def validate_csat_score(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Normalise the score or ask again."""
        return self.validate_by_shape("csat_score", slot_value, dispatcher)


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
        counted = await self.services.csat.record(score)
        logger.info(
            "csat %d %s for sender_id=%s",
            score.score,
            "recorded" if counted else "repeated",
            tracker.sender_id,
        )
        dispatcher.utter_message(response="utter_thanks_feedback")
        return [SlotSet("csat_score", None)]
