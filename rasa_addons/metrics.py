"""The Rasa server's Prometheus metrics, and the functions the seams call to update them.

Served at the Rasa server's ``GET /metrics`` (rasa_addons/operations.py); docs/operations.md
describes each one.

- ``cs_rasa_message_duration_seconds{channel}``: a customer message handled, start to end
  (``MessageProcessor.handle_message``, wrapped outermost, so refused messages count too).
- ``cs_nlu_intents_total{intent}`` and ``cs_nlu_intent_confidence``: the NLU's reading of each
  customer message (``MessageProcessor.parse_message`` during a message's handling; not the
  HTTP API's ``/model/parse``).
- ``cs_rasa_action_failures_total{action,kind}``: custom actions that could not run
  (rasa_addons/action_failures.py).
- ``cs_rasa_messages_refused_total{reason}``: messages answered by the limits instead of the NLU
  (rasa_addons/message_limits.py, socketio_channel.py), or dropped unread by the socket.io channel.
- ``cs_rasa_messages_failed_total{kind}``: messages Rasa could not handle at all, answered with the
  technical-problem text (rasa_addons/message_failures.py).
- ``cs_rasa_tracker_saves_total{path}``: trackers saved, by how (rasa_addons/tracker_store.py).
- ``cs_rasa_admission_wait_seconds{admitted}``: how long a message waited for one of its worker's
  slots (rasa_addons/message_admission.py); ``admitted="false"``: it ran without one after the
  longest wait.

Labels take values from fixed sets: a client chooses the REST channel's ``input_channel`` and
can send ``/any_name`` as an intent, so a channel or intent the server does not know is
counted as ``other``.

The metric objects are created by :func:`install`, which the entry point (``__main__``) calls
after choosing the metrics directory: prometheus_client decides on its multiprocess mode when
first imported, so this module imports it only then. Before ``install`` the updates do nothing.
Each update is wrapped by ``never_fails``: a metric never costs a customer a reply.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from actions.observability import never_fails

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Histogram

# The channels of bot/credentials.yml (and Rasa's command line); any other name is "other".
CHANNELS = frozenset({"rest", "socketio", "cmdline"})
# The FallbackClassifier's intent, in no domain file.
FALLBACK_INTENTS = frozenset({"nlu_fallback"})
REFUSAL_REASONS = frozenset({"too_long", "too_fast", "address_too_fast", "unconfirmed", "unreadable"})
FAILURE_KINDS = frozenset({"timeout", "error"})
SAVE_PATHS = frozenset({"appended", "merged", "rasa"})
FAILED_MESSAGE_KINDS = frozenset({"redis", "error"})
OTHER = "other"
# A turn takes ~0.1 s without actions and up to the 8 s action budget with them.
MESSAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
# Messages wait for a slot only under load: none at all, or up to the 30 s cap.
WAIT_BUCKETS = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 30.0)
CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


@dataclass(frozen=True)
class RasaMetrics:
    """The Rasa server's metric objects (created once per process by ``create``)."""

    registry: CollectorRegistry
    message_seconds: Histogram
    intents: Counter
    confidence: Histogram
    action_failures: Counter
    refused: Counter
    tracker_saves: Counter
    admission_wait: Histogram
    failed: Counter


_metrics: RasaMetrics | None = None
# Set while a customer message is handled, so that only its parse is counted.
_handling: ContextVar[bool] = ContextVar("cs_handling_message", default=False)


def create() -> RasaMetrics:
    """Create the metric objects (once; later calls return the same ones)."""
    global _metrics
    if _metrics is not None:
        return _metrics
    from prometheus_client import CollectorRegistry, Counter, Histogram

    registry = CollectorRegistry()
    _metrics = RasaMetrics(
        registry=registry,
        message_seconds=Histogram(
            "cs_rasa_message_duration_seconds",
            "Time the Rasa server took to handle one customer message (NLU, actions, save), by channel.",
            ["channel"],
            buckets=MESSAGE_BUCKETS,
            registry=registry,
        ),
        intents=Counter(
            "cs_nlu_intents_total",
            "Customer messages by the intent the NLU recognised (domain intents; 'other' for the rest).",
            ["intent"],
            registry=registry,
        ),
        confidence=Histogram(
            "cs_nlu_intent_confidence",
            "The NLU's confidence in the intent of each customer message.",
            buckets=CONFIDENCE_BUCKETS,
            registry=registry,
        ),
        action_failures=Counter(
            "cs_rasa_action_failures_total",
            "Custom action calls the Rasa server could not complete (action server down, failing or "
            "too slow for the turn's budget), by action and kind (timeout, error).",
            ["action", "kind"],
            registry=registry,
        ),
        refused=Counter(
            "cs_rasa_messages_refused_total",
            "Customer messages answered by the limits instead of being read, by reason "
            "(too_long, too_fast in a conversation, address_too_fast on the socket.io channel).",
            ["reason"],
            registry=registry,
        ),
        tracker_saves=Counter(
            "cs_rasa_tracker_saves_total",
            "Trackers saved, by path: appended (a turn's new events added to the text it read), merged "
            "(another process wrote meanwhile) or rasa (stock save: a tracker not read by this process).",
            ["path"],
            registry=registry,
        ),
        admission_wait=Histogram(
            "cs_rasa_admission_wait_seconds",
            "Time a customer message waited for a free slot of its Rasa worker before being read "
            "(admitted: true, or false when it ran without one after the longest wait).",
            ["admitted"],
            buckets=WAIT_BUCKETS,
            registry=registry,
        ),
        failed=Counter(
            "cs_rasa_messages_failed_total",
            "Customer messages Rasa could not handle at all (answered with the technical-problem text), "
            "by kind: redis (Redis unreachable: lock or tracker store) or error.",
            ["kind"],
            registry=registry,
        ),
    )
    return _metrics


def current() -> RasaMetrics | None:
    """The metric objects, or None before ``create``."""
    return _metrics


def _bounded(value: Any, allowed: Collection[str]) -> str:
    return value if isinstance(value, str) and value in allowed else OTHER


@never_fails
def message_handled(channel: str | None, seconds: float) -> None:
    """A customer message that came in on ``channel`` was handled in ``seconds``."""
    if _metrics is not None:
        _metrics.message_seconds.labels(_bounded(channel, CHANNELS)).observe(seconds)


@never_fails
def intent_parsed(parse_data: dict[str, Any], domain: Any) -> None:
    """The NLU read a customer message: count its intent (if ``domain`` has it) and observe its confidence."""
    if _metrics is None:
        return
    known_intents: Collection[str] = domain.intents
    intent = parse_data.get("intent") or {}
    name = intent.get("name")
    _metrics.intents.labels(name if name in FALLBACK_INTENTS else _bounded(name, known_intents)).inc()
    confidence = intent.get("confidence")
    if isinstance(confidence, (int, float)):
        _metrics.confidence.observe(float(confidence))


@never_fails
def action_call_failed(action: str, kind: str) -> None:
    """The custom action ``action`` (a domain name) failed: ``timeout`` or ``error``."""
    if _metrics is not None:
        _metrics.action_failures.labels(action, _bounded(kind, FAILURE_KINDS)).inc()


@never_fails
def message_refused(reason: str) -> None:
    """A customer message was not read.

    Answered by a limit: ``too_long``, ``too_fast``, ``address_too_fast``; dropped by the socket.io
    channel: ``unconfirmed`` (not its socket's conversation), ``unreadable`` (not text and an object).
    """
    if _metrics is not None:
        _metrics.refused.labels(_bounded(reason, REFUSAL_REASONS)).inc()


@never_fails
def message_failed(kind: str) -> None:
    """A customer message could not be handled: ``redis`` (unreachable) or ``error``."""
    if _metrics is not None:
        _metrics.failed.labels(_bounded(kind, FAILED_MESSAGE_KINDS)).inc()


@never_fails
def tracker_saved(path: str) -> None:
    """A tracker was saved by ``path``: ``appended``, ``merged`` or ``rasa``."""
    if _metrics is not None:
        _metrics.tracker_saves.labels(_bounded(path, SAVE_PATHS)).inc()


@never_fails
def admission_waited(seconds: float, admitted: bool) -> None:
    """A message waited ``seconds`` for a slot; ``admitted`` False when it ran without one."""
    if _metrics is not None:
        _metrics.admission_wait.labels("true" if admitted else "false").observe(seconds)


def install() -> None:
    """Create the metrics and count every customer message Rasa handles and parses.

    Wraps the ``handle_message`` installed so far, so install it last: it then times the
    others' work too (the limits' refusals, the token check).
    """
    create()
    inner_handle = MessageProcessor.handle_message
    inner_parse = MessageProcessor.parse_message

    async def handle_counted_message(self: MessageProcessor, message: UserMessage) -> Any:
        token = _handling.set(True)
        started = time.perf_counter()
        try:
            return await inner_handle(self, message)
        finally:
            _handling.reset(token)
            message_handled(message.input_channel, time.perf_counter() - started)

    async def parse_counted_message(
        self: MessageProcessor,
        message: UserMessage,
        tracker: DialogueStateTracker | None = None,
        only_output_properties: bool = True,
    ) -> dict[str, Any]:
        parse_data: dict[str, Any] = await inner_parse(self, message, tracker, only_output_properties)
        if _handling.get():
            intent_parsed(parse_data, self.domain)
        return parse_data

    MessageProcessor.handle_message = handle_counted_message
    MessageProcessor.parse_message = parse_counted_message
