"""Combines VADER sentiment with the trained emotion classifier.

``analyse`` reads one message where it is called. ``read`` is the action server's way: the
messages of the turns running at the same time in the process are read in one forward
pass on a worker thread. A forward pass of a few short messages costs little more than
one of a single message (the tokenizer, the Python and the kernel dispatch are paid
once), and while it runs the event loop serves the other turns' Redis and HTTP work
instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import threading
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
        self._batch: _Batcher | None = None
        # A fast tokenizer refuses to be used by two threads at once ("Already borrowed"): a batch
        # on the worker thread and a direct ``analyse`` (the readiness check) take turns.
        self._model_lock = threading.Lock()

    def analyse(self, text: str | None) -> EmotionReading:
        """Read the emotion of one message; an empty message reads neutral."""
        return self.analyse_many([text])[0]

    def analyse_many(self, texts: list[str | None]) -> list[EmotionReading]:
        """Read several messages in one forward pass; empty messages read neutral."""
        written = [i for i, text in enumerate(texts) if _written(text)]
        readings = [EmotionReading.neutral() for _ in texts]
        if written:
            with self._model_lock:
                scores = self._model.probabilities([str(texts[i]) for i in written])
            for row, i in enumerate(written):
                readings[i] = self._reading(str(texts[i]), scores[row])
        return readings

    async def read(self, text: str | None) -> EmotionReading:
        """Read one message together with the other turns' messages waiting in this process."""
        if not _written(text):
            return EmotionReading.neutral()
        return await self._batcher().read(str(text))

    def _batcher(self) -> _Batcher:
        # One per event loop: a future belongs to the loop that created it.
        loop = asyncio.get_running_loop()
        if self._batch is None or self._batch.loop is not loop:
            self._batch = _Batcher(self, loop)
        return self._batch

    def _reading(self, text: str, scores: np.ndarray) -> EmotionReading:
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


def _written(text: str | None) -> bool:
    # Empty, or a button payload ("/rate{...}"): nothing the customer wrote.
    return bool(text and text.strip() and not text.startswith("/"))


# A batch never waits for more messages: it takes those already waiting when the thread is
# free, so a lone turn is read at once and a busy process reads in batches of this many at most.
MAX_BATCH = 16


class _Batcher:
    """Messages waiting to be read in this event loop, read a batch at a time on a worker thread."""

    def __init__(self, detector: EmotionDetector, loop: asyncio.AbstractEventLoop) -> None:
        self.detector = detector
        self.loop = loop
        self.waiting: list[tuple[str, asyncio.Future[EmotionReading]]] = []
        self.running = False

    async def read(self, text: str) -> EmotionReading:
        future: asyncio.Future[EmotionReading] = self.loop.create_future()
        self.waiting.append((text, future))
        if not self.running:
            self.running = True
            self.loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                try:
                    readings = await asyncio.to_thread(self.detector.analyse_many, [t for t, _ in batch])
                except Exception as error:  # every turn of the batch gets it, as a lone call would
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), reading in zip(batch, readings, strict=True):
                    if not future.done():
                        future.set_result(reading)
        finally:
            self.running = False
