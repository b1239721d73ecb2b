"""The web app's Prometheus metrics, the middleware that times every request, and the seams' updates.

Served at the web app's ``GET /metrics`` (web/operations.py); docs/operations.md describes
each one. A request is labelled with its route's template
(``/api/agent/conversations/{conversation_id}/claim``), never its path, and with its status
class (``2xx``); a path no route matches is ``other``.
Each update is wrapped by ``never_fails`` (actions/observability.py): a metric never
fails a request.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from actions.observability import never_fails
from web.agent.desk import QueueSummary

T = TypeVar("T")

REGISTRY = CollectorRegistry()
OTHER = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
TRANSITIONS = frozenset({"claim", "handback", "close"})
# Pages and API calls take milliseconds; a console's live stream stays open for its session.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 600.0)
# From a handoff to an agent's claim: seconds to an hour or more.
WAIT_BUCKETS = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0)

HTTP_SECONDS = Histogram(
    "cs_http_request_duration_seconds",
    "Time to answer one HTTP request of the web app, by route template, method and status class "
    "(its _count is the request counter).",
    ["route", "method", "status"],
    buckets=HTTP_BUCKETS,
    registry=REGISTRY,
)
LIVE_CONNECTIONS = Gauge(
    "cs_live_connections",
    "Server-sent-event streams open now (stream: agent, the agent console's live feed).",
    ["stream"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)
HANDOFF_TRANSITIONS = Counter(
    "cs_handoff_transitions_total",
    "What agents did with handed-off conversations: claim (take over), handback (to the bot) or close.",
    ["transition"],
    registry=REGISTRY,
)
QUEUE_WAIT = Histogram(
    "cs_handoff_queue_wait_seconds",
    "How long a handed-off conversation waited in the queue before an agent claimed it.",
    buckets=WAIT_BUCKETS,
    registry=REGISTRY,
)


def route_template(routes: Iterable[BaseRoute], scope: Scope) -> str:
    """The template of the route that serves ``scope`` (as Starlette's router picks it), else ``other``."""
    partial: BaseRoute | None = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", OTHER))
        if match is Match.PARTIAL and partial is None:
            partial = route  # e.g. the right path with another method: Starlette answers 405 from it
    return str(getattr(partial, "path", OTHER)) if partial is not None else OTHER


@never_fails
def request_finished(scope: Scope, status: int, seconds: float) -> None:
    """One request answered with ``status`` after ``seconds``, counted under its route's template."""
    route = route_template(getattr(scope.get("app"), "routes", ()), scope)
    method = str(scope.get("method"))
    HTTP_SECONDS.labels(route, method if method in METHODS else OTHER, f"{status // 100}xx").observe(seconds)


class RequestMetricsMiddleware:
    """Pure ASGI middleware: times every HTTP request by route template, method and status class.

    Outermost, so refusals of the other middleware (413, 403, 503) are counted under their route.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request and record it whatever happens (an exception counts as 500)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            request_finished(scope, status, time.perf_counter() - started)


@never_fails
def _live(stream: str, change: int) -> None:
    LIVE_CONNECTIONS.labels(stream).inc(change)


async def live_stream(stream: str, events: AsyncIterator[T]) -> AsyncIterator[T]:
    """``events``, counted in ``cs_live_connections`` while they are being sent."""
    _live(stream, 1)
    try:
        async for event in events:
            yield event
    finally:
        _live(stream, -1)


@never_fails
def handoff_claimed(waited_s: float | None) -> None:
    """An agent took over a conversation (a new claim) that had waited ``waited_s``."""
    HANDOFF_TRANSITIONS.labels("claim").inc()
    if waited_s is not None:
        QUEUE_WAIT.observe(waited_s)


@never_fails
def handoff_left(transition: str) -> None:
    """An agent gave a conversation back to the bot: ``handback`` or ``close``."""
    HANDOFF_TRANSITIONS.labels(transition if transition in TRANSITIONS else OTHER).inc()


class QueueCollector(Collector):
    """The handoff queue as read from Redis for one scrape: length by status, and the longest wait."""

    def __init__(self, summary: QueueSummary) -> None:
        self._summary = summary

    def collect(self) -> Iterator[Metric]:
        """The two gauges."""
        length = GaugeMetricFamily(
            "cs_handoff_queue_length",
            "Handed-off conversations in the queue now, by status (waiting, or claimed by an agent).",
            labels=["status"],
        )
        length.add_metric(["waiting"], self._summary.waiting)
        length.add_metric(["claimed"], self._summary.claimed)
        yield length
        yield GaugeMetricFamily(
            "cs_handoff_oldest_wait_seconds",
            "How long the longest-waiting unclaimed conversation has waited so far (0 when none waits).",
            value=self._summary.oldest_waiting_s,
        )
