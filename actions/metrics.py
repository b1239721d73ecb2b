"""The action server's Prometheus metrics, and the one function per seam that updates them.

Served at the action server's ``GET /metrics`` (``actions/operations.py``); docs/operations.md
describes each one. Every label takes a value from a small fixed set (an action's or a class's
name, an outcome, a category): never a conversation id, a customer id or a customer's words.
Every metric has labels, so a process that imports this module without updating anything
(the web app imports the modules that use it) writes no samples of it.

Each update function is wrapped by ``never_fails`` (actions/observability.py): a metric
that cannot be written is logged once and the turn goes on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram

from actions.emotion.labels import EKMAN_LABELS, GOEMOTIONS_LABELS
from actions.errors import AssistantError
from actions.generation.base import (
    Generation,
    GenerationFailed,
    GenerationRequest,
    GenerationTimedOut,
    Generator,
    GeneratorBusy,
)
from actions.observability import never_fails

# The action server's own registry, apart from prometheus_client's default one.
REGISTRY = CollectorRegistry()

# An action runs in milliseconds (a lookup) to seconds (a generated answer, 4 s deadline).
ACTION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
GENERATION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0)
UNKNOWN = "unknown"
OTHER = "other"

ACTION_SECONDS = Histogram(
    "cs_action_duration_seconds",
    "Time to run one action call, by action name (Rasa's whole call: the action and its events).",
    ["action"],
    buckets=ACTION_BUCKETS,
    registry=REGISTRY,
)
ACTION_ERRORS = Counter(
    "cs_action_errors_total",
    "Action calls that failed, by action and kind: an error class of actions/errors.py answered with "
    "utter_technical_problem, 'unexpected' (an exception outside that tree: HTTP 500 to Rasa) "
    "or 'not_found' (no such action).",
    ["action", "kind"],
    registry=REGISTRY,
)
GENERATION_SECONDS = Histogram(
    "cs_generation_duration_seconds",
    "Time one call to the answer generator took, by backend and outcome (ok, timeout, busy, failed).",
    ["backend", "outcome"],
    buckets=GENERATION_BUCKETS,
    registry=REGISTRY,
)
PROMPT_TOKENS = Counter(
    "cs_generation_prompt_tokens_total",
    "Prompt tokens sent to the generator (when the backend reports them).",
    ["backend"],
    registry=REGISTRY,
)
COMPLETION_TOKENS = Counter(
    "cs_generation_completion_tokens_total",
    "Tokens the generator wrote.",
    ["backend"],
    registry=REGISTRY,
)
ANSWERS = Counter(
    "cs_answers_total",
    "Answers to open questions, by kind: generated, extractive, partial, unknown or refused.",
    ["kind"],
    registry=REGISTRY,
)
GUARD_DECISIONS = Counter(
    "cs_answer_guard_decisions_total",
    "What the grounding guard and faithfulness check decided about each generation attempt "
    "(attempt: first or strict; outcome: delivered, blocked, failed or skipped).",
    ["attempt", "outcome"],
    registry=REGISTRY,
)
EMOTIONS = Counter(
    "cs_emotions_total",
    "Customer messages read for emotion, by dominant emotion (Ekman's six, or neutral).",
    ["emotion"],
    registry=REGISTRY,
)
EMOTION_LABELS = Counter(
    "cs_emotion_labels_total",
    "Emotion labels detected above their threshold in customer messages (the 28 GoEmotions labels; "
    "a message may have several, or none).",
    ["label"],
    registry=REGISTRY,
)
HANDOFFS = Counter(
    "cs_handoffs_total",
    "Handoffs to a person, by the first reason, priority and outcome (queued, or unavailable "
    "when the queue could not be written).",
    ["reason", "priority", "outcome"],
    registry=REGISTRY,
)
OFFER_EXPOSURES = Counter(
    "cs_offer_exposures_total",
    "Offers decided for a turn, by rule kind (upsell, service_recovery) and outcome "
    "(shown, or control: held out, nothing shown).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
OFFER_ACCEPTANCES = Counter(
    "cs_offer_acceptances_total",
    "Offers accepted (and counted against the rule's budget), by rule kind.",
    ["kind"],
    registry=REGISTRY,
)

# The escalation policy's reasons (actions/emotion/escalation.py) and the handoff action's
# own, as categories; a handoff with several reasons counts under its first.
HANDOFF_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("emotion_rising", re.compile(r"^\w+ rising over \d+ turns$")),
    ("emotion_persisting", re.compile(r" in \d+ of the last \d+ messages$")),
    ("negative_sentiment", re.compile(r"^very negative message")),
    ("fallbacks", re.compile(r"^\d+ fallbacks in a row$")),
    ("customer_asked", re.compile(r"^customer asked for a person$")),
    ("accepted_offer", re.compile(r"^customer accepted the offer of a person$")),
)
PRIORITIES = frozenset({"low", "normal", "high", "urgent"})
OFFER_KINDS = frozenset({"upsell", "service_recovery"})
ANSWER_KINDS = frozenset({"generated", "extractive", "partial", "unknown", "refused"})
GUARD_ATTEMPTS = frozenset({"first", "strict"})
GUARD_OUTCOMES = frozenset({"delivered", "blocked", "failed", "skipped"})
GENERATION_OUTCOMES = frozenset({"ok", "timeout", "busy", "failed"})


def bounded(value: str | None, allowed: Iterable[str], default: str = OTHER) -> str:
    """``value`` if it is one of ``allowed``, else ``default``: a label never takes an unforeseen value."""
    return value if value is not None and value in allowed else default


def handoff_reason(reason: str) -> str:
    """The category of a handoff's (first) reason, e.g. ``emotion_rising``; ``other`` if unforeseen."""
    first = reason.split(";", 1)[0].strip()
    return next((name for name, pattern in HANDOFF_REASONS if pattern.search(first)), OTHER)


def error_kind(error: BaseException) -> str:
    """The class name of one of our errors (a fixed set); ``unexpected`` for anything else."""
    return type(error).__name__ if isinstance(error, AssistantError) else "unexpected"


@never_fails
def action_finished(action: str, seconds: float) -> None:
    """One action call took ``seconds`` (``action`` is a registered name or ``unknown``)."""
    ACTION_SECONDS.labels(action).observe(seconds)


@never_fails
def action_failed(action: str, kind: str) -> None:
    """One action call failed with ``kind`` (see ``error_kind``)."""
    ACTION_ERRORS.labels(action, kind).inc()


@never_fails
def generation_finished(
    backend: str,
    outcome: str,
    seconds: float,
    prompt_tokens: int | None = None,
    completion_tokens: int | None = None,
) -> None:
    """One generator call ended with ``outcome`` after ``seconds``, with the tokens it reported."""
    GENERATION_SECONDS.labels(backend, bounded(outcome, GENERATION_OUTCOMES)).observe(seconds)
    if prompt_tokens:
        PROMPT_TOKENS.labels(backend).inc(prompt_tokens)
    if completion_tokens:
        COMPLETION_TOKENS.labels(backend).inc(completion_tokens)


async def timed_generation(generator: Generator, request: GenerationRequest) -> Generation:
    """``generator.generate(request)``, with its time, outcome and tokens counted (errors pass through)."""
    started = time.monotonic()
    backend = str(getattr(generator, "name", UNKNOWN))
    try:
        generation = await generator.generate(request)
    except GenerationFailed as error:
        outcome = (
            "busy"
            if isinstance(error, GeneratorBusy)
            else "timeout"
            if isinstance(error, GenerationTimedOut)
            else "failed"
        )
        generation_finished(backend, outcome, time.monotonic() - started)
        raise
    generation_finished(
        backend, "ok", time.monotonic() - started, generation.prompt_tokens, generation.new_tokens
    )
    return generation


@never_fails
def answer_given(kind: str, decisions: Iterable[tuple[str, str]]) -> None:
    """One answer of ``kind``, with its guard decisions as ``(attempt, outcome)`` pairs."""
    ANSWERS.labels(bounded(kind, ANSWER_KINDS)).inc()
    for attempt, outcome in decisions:
        GUARD_DECISIONS.labels(bounded(attempt, GUARD_ATTEMPTS), bounded(outcome, GUARD_OUTCOMES)).inc()


@never_fails
def emotion_read(dominant: str, labels: Iterable[str] = ()) -> None:
    """One customer message was read: its ``dominant`` Ekman emotion, and the fine ``labels`` detected."""
    EMOTIONS.labels(bounded(dominant, EKMAN_LABELS)).inc()
    for label in labels:
        EMOTION_LABELS.labels(bounded(label, GOEMOTIONS_LABELS)).inc()


@never_fails
def handoff_requested(reason: str, priority: str, queued: bool) -> None:
    """A handoff was requested for ``reason`` (free text: counted by category)."""
    HANDOFFS.labels(
        handoff_reason(reason), bounded(priority, PRIORITIES), "queued" if queued else "unavailable"
    ).inc()


@never_fails
def offer_exposed(kind: str, control: bool) -> None:
    """An offer of ``kind`` was shown, or held out as control."""
    OFFER_EXPOSURES.labels(bounded(kind, OFFER_KINDS), "control" if control else "shown").inc()


@never_fails
def offer_accepted(kind: str) -> None:
    """A shown offer of ``kind`` was accepted."""
    OFFER_ACCEPTANCES.labels(bounded(kind, OFFER_KINDS)).inc()
