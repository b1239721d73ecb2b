"""The action server's metrics (actions/metrics.py) and the seams that update them.

The registry is the process's own, so each test compares a sample before and after.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import metrics, observability
from actions.dialogue.support import ActionRequestHandoff
from actions.emotion.detector import EmotionReading
from actions.emotion.escalation import EscalationPolicy, decide
from actions.emotion.timeline import TimelineEntry
from actions.generation.base import (
    ChatMessage,
    Generation,
    GenerationFailed,
    GenerationRequest,
    GenerationTimedOut,
    GeneratorBusy,
)
from tests.unit.dialogue.fakes import FakeStore, services_with, tracker
from tests.unit.dialogue.test_support import RecordingQueue


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


class Counted:
    """A sample's value when the block started; ``delta`` is what the block added."""

    def __init__(self, name: str, **labels: str) -> None:
        self.name, self.labels = name, labels
        self.start = sample(name, **labels)

    @property
    def delta(self) -> float:
        return sample(self.name, **self.labels) - self.start


def _entry(anger: float = 0.0, frustration: float = 0.0, sentiment: float = 0.0) -> TimelineEntry:
    states = {"anger": anger, "frustration": frustration, "anxiety": 0.0, "sadness": 0.0}
    reading = EmotionReading(
        labels={}, top={}, ekman={}, ekman_detected=[], states=states,
        sentiment=sentiment, dominant="neutral", negative=max(states.values()),
    )  # fmt: skip
    return TimelineEntry(reading=reading)


POLICY = EscalationPolicy()


@pytest.mark.parametrize(
    ("timeline", "fallbacks", "asked", "category"),
    [
        ([_entry(0.2), _entry(0.45), _entry(0.7)], 0, False, "emotion_rising"),
        ([_entry(frustration=0.6), _entry(frustration=0.6), _entry(frustration=0.55)], 0, False,
         "emotion_persisting"),
        ([_entry(sentiment=-0.95)], 0, False, "negative_sentiment"),
        ([], 3, False, "fallbacks"),
        ([], 0, True, "customer_asked"),
        ([], 3, True, "fallbacks"),  # several reasons: the first one counts
    ],
)  # fmt: skip
def test_every_reason_the_escalation_policy_gives_has_its_category(
    timeline: list[TimelineEntry], fallbacks: int, asked: bool, category: str
) -> None:
    decision = decide(POLICY, timeline, fallbacks, asked)
    assert decision is not None
    assert metrics.handoff_reason(decision.reason) == category


def test_an_unforeseen_reason_or_label_value_is_other() -> None:
    assert metrics.handoff_reason("the moon is full") == "other"
    assert metrics.bounded("C10001", metrics.PRIORITIES) == "other"
    assert metrics.bounded(None, metrics.PRIORITIES) == "other"


async def test_a_queued_handoff_is_counted_by_category_priority_and_outcome() -> None:
    queued = Counted("cs_handoffs_total", reason="emotion_rising", priority="urgent", outcome="queued")
    unavailable = Counted(
        "cs_handoffs_total", reason="accepted_offer", priority="normal", outcome="unavailable"
    )
    slots = {"handoff_reason": "anger rising over 3 turns", "handoff_priority": "urgent"}

    await ActionRequestHandoff(services_with(handoff=RecordingQueue(), store=FakeStore())).run(
        CollectingDispatcher(), tracker(slots), {}
    )
    await ActionRequestHandoff(services_with(handoff=RecordingQueue(down=True), store=FakeStore())).run(
        CollectingDispatcher(), tracker({}), {}
    )

    assert (queued.delta, unavailable.delta) == (1, 1)


def test_emotions_are_counted_by_their_labels_only() -> None:
    anger, other = (
        Counted("cs_emotions_total", emotion="anger"),
        Counted("cs_emotions_total", emotion="other"),
    )
    annoyance = Counted("cs_emotion_labels_total", label="annoyance")
    metrics.emotion_read("anger", {"annoyance": 0.7, "anger": 0.6})
    metrics.emotion_read("I want my money back", ["my order 104233"])
    assert (anger.delta, other.delta, annoyance.delta) == (1, 1, 1)
    assert sample("cs_emotion_labels_total", label="other") >= 1
    assert sample("cs_emotion_labels_total", label="my order 104233") == 0


def test_an_answer_counts_its_kind_and_each_guard_decision() -> None:
    generated = Counted("cs_answers_total", kind="generated")
    blocked = Counted("cs_answer_guard_decisions_total", attempt="first", outcome="blocked")
    delivered = Counted("cs_answer_guard_decisions_total", attempt="strict", outcome="delivered")
    metrics.answer_given("generated", [("first", "blocked"), ("strict", "delivered")])
    assert (generated.delta, blocked.delta, delivered.delta) == (1, 1, 1)


class _Generator:
    name = "trial-backend"

    def __init__(self, outcome: Exception | Generation) -> None:
        self.outcome = outcome

    async def generate(self, request: GenerationRequest) -> Generation:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


REQUEST = GenerationRequest((ChatMessage("user", "hi"),))


async def test_a_generation_counts_its_time_and_tokens() -> None:
    calls = Counted("cs_generation_duration_seconds_count", backend="trial-backend", outcome="ok")
    prompt = Counted("cs_generation_prompt_tokens_total", backend="trial-backend")
    completion = Counted("cs_generation_completion_tokens_total", backend="trial-backend")
    done = Generation("Hello.", "trial-backend", new_tokens=12, seconds=0.3, prompt_tokens=240)

    assert await metrics.timed_generation(_Generator(done), REQUEST) is done
    assert (calls.delta, prompt.delta, completion.delta) == (1, 240, 12)


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (GeneratorBusy("busy"), "busy"),
        (GenerationTimedOut("late"), "timeout"),
        (GenerationFailed("x"), "failed"),
    ],
)
async def test_a_failed_generation_counts_its_outcome_and_still_raises(
    error: GenerationFailed, outcome: str
) -> None:
    calls = Counted("cs_generation_duration_seconds_count", backend="trial-backend", outcome=outcome)
    with pytest.raises(type(error)):
        await metrics.timed_generation(_Generator(error), REQUEST)
    assert calls.delta == 1


def test_offers_are_counted_by_kind_and_outcome() -> None:
    shown = Counted("cs_offer_exposures_total", kind="upsell", outcome="shown")
    control = Counted("cs_offer_exposures_total", kind="service_recovery", outcome="control")
    accepted = Counted("cs_offer_acceptances_total", kind="upsell")
    metrics.offer_exposed("upsell", control=False)
    metrics.offer_exposed("service_recovery", control=True)
    metrics.offer_accepted("upsell")
    assert (shown.delta, control.delta, accepted.delta) == (1, 1, 1)


@pytest.fixture
def broken_histogram(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def labels(*args: Any) -> Any:
        raise OSError("No space left on device")

    monkeypatch.setattr(metrics.ACTION_SECONDS, "labels", labels)
    monkeypatch.setattr(observability, "_logged_failures", set())
    yield


def test_a_metric_that_cannot_be_written_never_reaches_the_caller(
    broken_histogram: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    metrics.action_finished("action_trial", 0.1)  # no exception
    metrics.action_finished("action_trial", 0.1)
    assert (
        sum("metrics: actions.metrics.action_finished failed" in r.getMessage() for r in caplog.records) == 1
    )
