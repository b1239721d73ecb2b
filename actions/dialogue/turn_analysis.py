"""Runs on every customer message (Rasa calls action_validate_slot_mappings each turn)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.dialogue.support import consecutive_fallbacks
from actions.emotion.turns import CustomerMessage, analyse_turn
from actions.errors import AssistantError
from actions.services import Services, get_services

logger = logging.getLogger(__name__)


class ActionValidateSlotMappings(ValidationAction):
    """Reads the customer's emotion each turn and sets the slots that carry it.

    Slots set (declared in bot/domain/emotion.yml): ``emotion``, ``emotion_scores``,
    ``sentiment``, ``tone_hint``, ``upsell_allowed``, and, when the escalation policy
    decides on a handoff, ``handoff_due``, ``handoff_reason``, ``handoff_priority``.
    A failure here never blocks the reply: the turn goes on without emotion.
    """

    def __init__(self, services: Services | None = None) -> None:
        # The model loads on the first message of each worker process (~0.3 s), not
        # here: rasa-sdk builds actions before Sanic forks its workers, and loading
        # torch models at that point breaks Sanic's process start-up.
        self._services = services

    def name(self) -> str:
        """Rasa's fixed name for the action it runs after every message."""
        return "action_validate_slot_mappings"

    def domain_slots(self, domain: DomainDict) -> list[str]:
        """No slot is validated here: forms validate theirs (actions/dialogue/form_validation.py)."""
        return []

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Validate extracted slots (none custom so far), then analyse the turn."""
        events = await super().run(dispatcher, tracker, domain)
        services = self._services or get_services()
        latest = tracker.latest_message or {}
        message = CustomerMessage(
            text=latest.get("text"),
            intent=(latest.get("intent") or {}).get("name"),
            message_id=latest.get("message_id"),
        )
        try:
            analysis = await analyse_turn(
                services.emotion,
                services.emotion_timeline,
                services.escalation,
                tracker.sender_id,
                message,
                consecutive_fallbacks(tracker),
                may_hand_off=not tracker.is_paused() and not tracker.get_slot("handoff_due"),
            )
        except AssistantError:
            logger.exception("emotion analysis failed for sender_id=%s", tracker.sender_id)
            return events
        reading = analysis.reading
        read = {
            "emotion": reading.dominant,
            "emotion_scores": {"ekman": reading.ekman, "labels": reading.labels, "top": reading.top,
                               "states": reading.states},
            "sentiment": reading.sentiment,
            "tone_hint": analysis.tone,
            "upsell_allowed": analysis.upsell_allowed,
        }  # fmt: skip
        # Only what changed: every event makes each later turn's tracker longer to load, send and save.
        events += [SlotSet(name, value) for name, value in read.items() if tracker.get_slot(name) != value]
        if analysis.handoff is not None:
            logger.info(
                "handoff due for sender_id=%s: %s (%s)",
                tracker.sender_id, analysis.handoff.reason, analysis.handoff.priority,
            )  # fmt: skip
            events += [
                SlotSet("handoff_due", True),
                SlotSet("handoff_reason", analysis.handoff.reason),
                SlotSet("handoff_priority", analysis.handoff.priority),
            ]
        return events
