"""The escalation policy: when a conversation goes to a person, why, and how urgently.

Configured in one file, ``escalation.yml`` at the project root (``ESCALATION_POLICY``
overrides the path); every field is documented there.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actions.config_files import load_yaml_model
from actions.emotion.labels import NEGATIVE_STATES
from actions.emotion.timeline import TimelineEntry

Priority = Literal["low", "normal", "high", "urgent"]


class EscalationPolicy(BaseModel):
    """Thresholds of the handoff triggers (see escalation.yml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_turns: int = Field(default=3, ge=2, le=20)
    negative_threshold: float = Field(default=0.5, gt=0, le=1)
    persist_turns: int = Field(default=3, ge=1)
    rise_min_increase: float = Field(default=0.15, ge=0, le=1)
    rise_start_min: float = Field(default=0.1, ge=0, le=1)
    sentiment_below: float = Field(default=-0.8, ge=-1, le=0)
    fallbacks_in_a_row: int = Field(default=3, ge=1)
    urgent_negative: float = Field(default=0.85, gt=0, le=1)
    urgent_sentiment: float = Field(default=-0.9, ge=-1, le=0)

    @model_validator(mode="after")
    def _persist_fits_the_window(self) -> EscalationPolicy:
        if self.persist_turns > self.window_turns:
            raise ValueError("persist_turns cannot exceed window_turns (the trigger could never fire)")
        return self

    @classmethod
    def from_file(cls, path: Path) -> EscalationPolicy:
        """Load and validate the policy file; a bad field is named in the error."""
        # The policy's one whole-file check is about persist_turns.
        return load_yaml_model(path, cls, whole_file_field="persist_turns")


class HandoffDecision(BaseModel):
    """Why a conversation goes to a person, in words an agent understands."""

    reason: str
    priority: Priority


def _strongest_negative(entry: TimelineEntry) -> tuple[str, float]:
    states = {s: entry.reading.states.get(s, 0.0) for s in NEGATIVE_STATES}
    name = max(states, key=states.__getitem__)
    return name, states[name]


def decide(
    policy: EscalationPolicy, timeline: list[TimelineEntry], fallbacks_in_a_row: int, asked_for_person: bool
) -> HandoffDecision | None:
    """Apply every trigger to the conversation so far (newest timeline entry last)."""
    reasons: list[str] = []
    emotional = False
    window = timeline[-policy.window_turns :]
    if window:
        negative = [e for e in window if _strongest_negative(e)[1] >= policy.negative_threshold]
        # Rising is judged on each turn's strongest negative state, so annoyance
        # turning into anger counts; the reason names where it ended up.
        state, latest_score = _strongest_negative(window[-1])
        series = [_strongest_negative(e)[1] for e in window]
        rising = (
            len(window) == policy.window_turns
            and all(later > earlier for earlier, later in pairwise(series))
            and series[0] >= policy.rise_start_min
            and series[-1] - series[0] >= policy.rise_min_increase
            and latest_score >= policy.negative_threshold
        )
        if rising:
            reasons.append(f"{state} rising over {len(window)} turns")
            emotional = True
        elif len(negative) >= policy.persist_turns:
            names = sorted({_strongest_negative(e)[0] for e in negative})
            reasons.append(f"{' and '.join(names)} in {len(negative)} of the last {len(window)} messages")
            emotional = True
        sentiment = window[-1].reading.sentiment
        if sentiment <= policy.sentiment_below:
            reasons.append(f"very negative message (sentiment {sentiment:+.2f})")
            emotional = True
    if fallbacks_in_a_row >= policy.fallbacks_in_a_row:
        reasons.append(f"{fallbacks_in_a_row} fallbacks in a row")
    if asked_for_person:
        reasons.append("customer asked for a person")
    if not reasons:
        return None
    return HandoffDecision(reason="; ".join(reasons), priority=_priority(policy, timeline, emotional))


def _priority(policy: EscalationPolicy, timeline: list[TimelineEntry], emotional: bool) -> Priority:
    if timeline:
        _, score = _strongest_negative(timeline[-1])
        if score >= policy.urgent_negative or timeline[-1].reading.sentiment <= policy.urgent_sentiment:
            return "urgent"
    return "high" if emotional else "normal"
