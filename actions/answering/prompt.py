"""Builds the chat prompt: instructions with the retrieved passages, recent turns, the question.

Customer text only ever appears in user turns, never in the system message;
whatever the model makes of it, the grounding guard checks the reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from actions.generation.base import ChatMessage
from actions.knowledge.passages import Passage

Speaker = Literal["customer", "assistant"]

# How the reply should sound for each tone hint of the emotion detector.
TONE_INSTRUCTIONS: dict[str, str] = {
    "apologise_first": "The customer is upset: start with a short, sincere apology.",
    "be_brief": "The customer is frustrated: be very brief and direct.",
    "reassure": "The customer is worried: be calm and reassuring.",
    "clarify": "The customer is confused: explain simply.",
    "warm": "The customer is happy: be warm and friendly.",
    "neutral": "Be friendly and professional.",
}
MAX_TURNS = 4
MAX_TURN_CHARS = 300
MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    speaker: Speaker
    text: str


def instructions(
    store_name: str, passages: Sequence[Passage], tone: str | None, segment: str | None, strict: bool
) -> str:
    """The system message: who the assistant is, the facts it may use, how to answer.

    ``strict`` is the retry after the guard rejected a reply. Small models follow
    a plain chat best: facts in the system message, the customer's words as the
    user's turn.
    """
    # The lines that never change come first: llama.cpp reuses the cached prefix of the
    # previous prompt, so they cost nothing after the first question.
    lines = [
        f"You are the customer-service assistant of the online store {store_name}.",
        "Copy prices, numbers, dates and product names exactly as written in the facts.",
        "Never promise anything the facts do not say.",
        "Answer the customer using only these facts:",
        *(f"[{number}] {p.title}: {p.text}" for number, p in enumerate(passages, start=1)),
        TONE_INSTRUCTIONS.get(tone or "neutral", TONE_INSTRUCTIONS["neutral"]),
    ]
    if segment:
        lines.append(f"The customer is a {segment} customer.")
    # The retry differs only in its last line, so it reuses the whole cached prompt before it.
    if strict:
        lines.append("Answer with one sentence copied word for word from the facts.")
    else:
        lines.append("Answer in one or two short sentences.")
    return "\n".join(lines)


def build_messages(
    question: str,
    passages: Sequence[Passage],
    history: Sequence[Turn] = (),
    *,
    store_name: str,
    tone: str | None = None,
    segment: str | None = None,
    strict: bool = False,
) -> tuple[ChatMessage, ...]:
    """System message with the facts, the recent turns as chat turns, then the question."""
    recent = [t for t in history if t.text.strip()][-MAX_TURNS:]
    turns = [
        ChatMessage("user" if t.speaker == "customer" else "assistant", _bounded(t.text, MAX_TURN_CHARS))
        for t in recent
    ]
    return (
        ChatMessage("system", instructions(store_name, passages, tone, segment, strict)),
        *turns,
        ChatMessage("user", _bounded(question, MAX_QUESTION_CHARS)),
    )


def _bounded(text: str, limit: int) -> str:
    """One line, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
