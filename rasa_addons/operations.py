"""The Rasa server's operations endpoints: ``/healthz``, ``/readyz`` and ``/metrics``.

Rasa builds its Sanic app in ``rasa.core.run.configure_app`` (with or without the HTTP API);
:func:`install` wraps that function so that every app it builds gets these routes:

- ``GET /healthz``: 200 while the worker serves.
- ``GET /readyz``: 200 ``{"status": "ready", "checks": {"model": "ok", "tracker store": "ok"}}``
  once the worker's agent has its model loaded (``agent.is_ready()``) and the tracker store's
  Redis answers a PING; else 503 with the reason.
- ``GET /metrics``: rasa_addons/metrics.py, summed over the Sanic workers (actions/observability.py).

They need no token (Rasa's token guards its own API routes one by one) and say nothing about
conversations; the public proxy (deploy/nginx-public.conf) passes only ``/socket.io/`` to Rasa.
"""

from __future__ import annotations

import asyncio
from typing import Any

import rasa.core.run
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.observability import OK, Readiness, exposition, probe
from rasa_addons import metrics


def tracker_redis(tracker_store: Any) -> Any | None:
    """The Redis client of the tracker store under Rasa's wrappers (``FailSafeTrackerStore``...), if any."""
    store = tracker_store
    for _ in range(5):  # FailSafeTrackerStore -> AwaitableTrackerStore -> ours
        client = getattr(store, "red", None)
        if client is not None:
            return client
        store = getattr(store, "_tracker_store", None)
        if store is None:
            return None
    return None


async def readiness(app: Sanic) -> Readiness:
    """The worker's readiness: its model loaded, its tracker store's Redis answering."""
    agent = getattr(app.ctx, "agent", None)
    if agent is None:
        return Readiness({"model": "not loaded", "tracker store": "not loaded"})
    model = OK if agent.is_ready() else "not loaded"
    client = tracker_redis(agent.tracker_store)
    if agent.tracker_store is None:
        store = "not loaded"
    elif client is None:
        store = OK  # not a Redis store (the in-memory one of a test): nothing to ask
    else:
        loop = asyncio.get_running_loop()
        # redis-py's synchronous client, as the tracker store uses it: asked on a thread.
        store = await probe(lambda: loop.run_in_executor(None, client.ping))
    return Readiness({"model": model, "tracker store": store})


async def healthz(request: Request) -> HTTPResponse:
    """Liveness: the worker serves."""
    return response.json({"status": "ok"})


async def readyz(request: Request) -> HTTPResponse:
    """Readiness (see the module docstring)."""
    result = await readiness(request.app)
    return response.json(result.body(), status=result.status_code)


async def metrics_text(request: Request) -> HTTPResponse:
    """The metrics of every worker of this server, in Prometheus' text format."""
    created = metrics.create()
    body, content_type = exposition(created.registry)
    return response.raw(body, content_type=content_type)


def add_routes(app: Sanic) -> None:
    """Add the three routes to ``app``."""
    app.add_route(healthz, "/healthz", methods=["GET"], name="cs_healthz")
    app.add_route(readyz, "/readyz", methods=["GET"], name="cs_readyz")
    app.add_route(metrics_text, "/metrics", methods=["GET"], name="cs_metrics")


def install() -> None:
    """Give every app Rasa configures the operations routes."""
    inner = rasa.core.run.configure_app

    def configure_app_with_operations(*args: Any, **kwargs: Any) -> Sanic:
        app = inner(*args, **kwargs)
        add_routes(app)
        return app

    rasa.core.run.configure_app = configure_app_with_operations
