"""Everything the assistant learns from one customer message's emotion."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from actions import metrics
from actions.emotion.behaviour import ToneHint, tone_hint, upsell_allowed
from actions.emotion.detector import EmotionDetector, EmotionReading
from actions.emotion.escalation import EscalationPolicy, HandoffDecision, decide
from actions.emotion.timeline import EmotionTimeline, TimelineEntry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomerMessage:
    """The parts of Rasa's latest message the analysis uses."""

    text: str | None
    intent: str | None
    message_id: str | None


@dataclass(frozen=True)
class TurnAnalysis:
    """The reading, what it means for the reply, and a handoff if one is due."""

    reading: EmotionReading
    tone: ToneHint
    upsell_allowed: bool
    handoff: HandoffDecision | None


async def analyse_turn(
    detector: EmotionDetector,
    timeline: EmotionTimeline,
    policy: EscalationPolicy,
    conversation_id: str,
    message: CustomerMessage,
    fallbacks_in_a_row: int,
    may_hand_off: bool,
) -> TurnAnalysis:
    """Read the message, record it on the timeline, and apply the escalation policy.

    Rasa may analyse one message twice (a form's activation extracts slots again):
    a message that is already the newest entry is neither scored nor recorded again.
    """
    history = await timeline.recent(conversation_id, policy.window_turns)
    if message.message_id is not None and history and history[-1].message_id == message.message_id:
        reading = history[-1].reading
    else:
        reading = await detector.read(message.text)
        metrics.emotion_read(reading.dominant, reading.labels)
        entry = TimelineEntry(message_id=message.message_id, intent=message.intent, reading=reading)
        history = await timeline.append(conversation_id, entry, recent=policy.window_turns)
    handoff = None
    if may_hand_off:
        handoff = decide(
            policy, history, fallbacks_in_a_row, asked_for_person=message.intent == "request_human"
        )
    return TurnAnalysis(reading, tone_hint(reading), upsell_allowed(reading, message.intent), handoff)
