"""What the rest of the assistant does with a reading: a tone hint and the upsell flag."""

from __future__ import annotations

from typing import Literal

from actions.emotion.detector import EmotionReading

ToneHint = Literal["apologise_first", "be_brief", "reassure", "clarify", "warm", "neutral"]

# A state counts when its score reaches this; tuned by eye on the dev split.
STATE_PRESENT = 0.5
VERY_NEGATIVE_SENTIMENT = -0.5
UPSELL_NEGATIVE_LIMIT = 0.4
UPSELL_SENTIMENT_LIMIT = -0.3
NO_UPSELL_INTENTS = frozenset({"complaint", "request_human"})


def tone_hint(reading: EmotionReading) -> ToneHint:
    """How a reply should sound: apologise to the angry, be brief with the frustrated..."""
    states = reading.states
    if states.get("anger", 0) >= STATE_PRESENT or reading.sentiment <= VERY_NEGATIVE_SENTIMENT:
        return "apologise_first"
    if states.get("frustration", 0) >= STATE_PRESENT:
        return "be_brief"
    if states.get("anxiety", 0) >= STATE_PRESENT or states.get("sadness", 0) >= STATE_PRESENT:
        return "reassure"
    if states.get("confusion", 0) >= STATE_PRESENT:
        return "clarify"
    if states.get("gratitude", 0) >= STATE_PRESENT or states.get("satisfaction", 0) >= STATE_PRESENT:
        return "warm"
    return "neutral"


def upsell_allowed(reading: EmotionReading, intent: str | None) -> bool:
    """False for an upset customer or inside a complaint: offers must wait."""
    if intent in NO_UPSELL_INTENTS:
        return False
    return reading.negative < UPSELL_NEGATIVE_LIMIT and reading.sentiment > UPSELL_SENTIMENT_LIMIT
