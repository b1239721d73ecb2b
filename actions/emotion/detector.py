"""Combines VADER sentiment with the trained emotion classifier, one message at a time."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from pydantic import BaseModel, Field
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from actions.emotion.labels import NEGATIVE_STATES, SUPPORT_STATES

# How many of the strongest labels a reading keeps even when below threshold.
TOP_LABELS = 3


class ScoresModel(Protocol):
    """What the detector needs from a classifier (the real one or a test double)."""

    # Read-only: the real classifier derives the label lists from its config.
    @property
    def labels(self) -> list[str]:
        """The fine-grained labels, in score order."""

    @property
    def ekman_labels(self) -> list[str]:
        """The Ekman labels, scored after ``labels``."""

    label_thresholds: np.ndarray
    ekman_thresholds: np.ndarray

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Scores, shape (n, len(labels) + len(ekman_labels))."""


class EmotionReading(BaseModel):
    """The emotion of one customer message."""

    labels: dict[str, float] = Field(description="labels above their tuned threshold (multi-label)")
    top: dict[str, float] = Field(description="the strongest labels with their scores")
    ekman: dict[str, float]
    ekman_detected: list[str]
    states: dict[str, float]
    sentiment: float = Field(ge=-1, le=1, description="VADER compound score")
    dominant: str = Field(description="strongest Ekman emotion, or neutral")
    negative: float = Field(ge=0, le=1, description="strongest negative state's score")

    @classmethod
    def neutral(cls) -> EmotionReading:
        """The reading of a message without text (a button, an attachment)."""
        return cls(labels={}, top={}, ekman={"neutral": 1.0}, ekman_detected=["neutral"], states={},
                   sentiment=0.0, dominant="neutral", negative=0.0)  # fmt: skip


class EmotionDetector:
    """VADER + classifier. Build once per process; ``analyse`` is the hot path."""

    def __init__(self, model: ScoresModel) -> None:
        self._model = model
        self._vader = SentimentIntensityAnalyzer()

    def analyse(self, text: str | None) -> EmotionReading:
        """Read the emotion of one message; an empty message reads neutral."""
        if not text or not text.strip() or text.startswith("/"):
            # Empty, or a button payload ("/rate{...}"): nothing the customer wrote.
            return EmotionReading.neutral()
        scores = self._model.probabilities([text])[0]
        count = len(self._model.labels)
        label_scores = dict(zip(self._model.labels, scores[:count].tolist(), strict=True))
        ekman_scores = dict(zip(self._model.ekman_labels, scores[count:].tolist(), strict=True))
        fine = zip(self._model.labels, scores[:count], self._model.label_thresholds, strict=True)
        detected = {name: round(score, 3) for name, score, threshold in fine if score >= threshold}
        ekman = zip(self._model.ekman_labels, scores[count:], self._model.ekman_thresholds, strict=True)
        ekman_detected = [name for name, score, threshold in ekman if score >= threshold]
        states = {
            state: round(max(label_scores[m] for m in members), 3)
            for state, members in SUPPORT_STATES.items()
        }
        top = dict(sorted(label_scores.items(), key=lambda item: -item[1])[:TOP_LABELS])
        emotional = {k: v for k, v in ekman_scores.items() if k != "neutral"}
        strongest = max(emotional, key=emotional.__getitem__)
        dominant = strongest if strongest in ekman_detected else "neutral"
        return EmotionReading(
            labels=detected,
            top={k: round(v, 3) for k, v in top.items()},
            ekman={k: round(v, 3) for k, v in ekman_scores.items()},
            ekman_detected=ekman_detected,
            states=states,
            sentiment=round(self._vader.polarity_scores(text)["compound"], 4),
            dominant=dominant,
            negative=max(states[s] for s in NEGATIVE_STATES),
        )
