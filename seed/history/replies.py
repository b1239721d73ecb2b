"""What the assistant and the emotion model would have made of a simulated customer message.

The emotion reading has the shape ``actions/emotion/detector.py`` gives (drawn: angry or sad
for an upset customer, mostly neutral otherwise); the reply is a form's question or an
answer of a drawn ``AnswerKind`` (``actions/answering/answerer.py``) with the metadata the
live bot event carries (``answer_kind``, ``utter_action``).
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import yaml

from actions.emotion.detector import EmotionReading
from seed.history.subjects import Subject

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "bot" / "domain"
UNKNOWN_REPLY = "I'm not sure about that, and I'd rather not guess."
# The domain's replies to messages with no subject (bot/domain/core.yml).
UTTER_OF = {"greet": "utter_greet", "thank": "utter_you_are_welcome"}
REPLY_OF = {
    "greet": "Hello! I can help with orders, deliveries, returns, refunds, payments and our products.",
    "thank": "You're welcome! Is there anything else I can help with?",
}


@cache
def _responses() -> dict[str, str]:
    """The first text of every response in the bot's domain (bot/domain/*.yml)."""
    texts: dict[str, str] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        for name, variants in (
            yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}
        ).items():
            if variants and variants[0].get("text"):
                texts[name] = str(variants[0]["text"])
    return texts


def domain_text(utter: str) -> str:
    """What the bot says for ``utter`` (the agent console shows the history's transcripts)."""
    try:
        return _responses()[utter]
    except KeyError:
        raise ValueError(f"{utter}: no such response in {DOMAIN_DIR}") from None


def reading_for(upset: bool, rng: random.Random) -> EmotionReading:
    """A plausible emotion reading (as ``actions/emotion/detector.py`` makes them)."""
    if upset:
        dominant = "anger" if rng.random() < 0.6 else "sadness"
        strength = round(rng.uniform(0.55, 0.93), 3)
        label = "annoyance" if dominant == "anger" else "disappointment"
        states = {"frustration": strength, dominant: round(strength * rng.uniform(0.7, 1.0), 3)}
        return EmotionReading(
            labels={label: strength},
            top={label: strength, "neutral": 0.2},
            ekman={dominant: strength, "neutral": 0.2},
            ekman_detected=[dominant],
            states=states,
            sentiment=round(rng.uniform(-0.92, -0.3), 3),
            dominant=dominant,
            negative=max(states.values()),
        )
    roll = rng.random()
    if roll < 0.75:
        return EmotionReading.neutral().model_copy(update={"sentiment": round(rng.uniform(-0.1, 0.35), 3)})
    dominant, label = ("joy", "gratitude") if roll < 0.9 else ("surprise", "confusion")
    score = round(rng.uniform(0.4, 0.85), 3)
    return EmotionReading(
        labels={label: score},
        top={label: score},
        ekman={dominant: score},
        ekman_detected=[dominant],
        states={},
        sentiment=round(rng.uniform(0.0, 0.7), 3),
        dominant=dominant,
        negative=0.0,
    )


def answer_to(subject: Subject, rng: random.Random) -> tuple[str, dict[str, object]]:
    """The assistant's reply: a form's question, or the answerer's reply of a drawn kind."""
    if subject.form:
        return domain_text(subject.form), {"utter_action": subject.form}
    kinds, weights = zip(*subject.answers.items(), strict=True)
    kind = rng.choices(kinds, weights)[0]
    if kind == "unknown":
        return UNKNOWN_REPLY, {"utter_action": "utter_answer_unknown", "answer_kind": kind}
    text = {
        "partial": "Here is what the help centre says; it may not cover all of your question.",
        "extractive": "From the help centre:",
    }.get(kind, "Here's how that works at Brightcart.")
    return f"{text} ({subject.id})", {"answer_kind": kind}
