"""The action server's operations endpoints, and the timing of every action call.

rasa_sdk_plugins adds these to each worker's Sanic app (actions/endpoint_auth.py lets
``GET``/``HEAD`` reach them without the token):

- ``GET /healthz``: 200 while the worker serves (rasa-sdk's own ``/health`` stays too).
- ``GET /readyz``: 200 ``{"status": "ready", "checks": {"models": "ok", "redis": "ok"}}`` once
  the worker's warm-up has loaded the emotion model and the sentence encoder and Redis answers
  a PING; else 503 with the reason. The generator is not required: without it answers quote
  their passage. With ``CS_WARM_UP=false`` models load on first use and are not waited for.
- ``GET /metrics``: actions/metrics.py, summed over the workers (actions/observability.py).

``instrument_executor`` wraps rasa-sdk's ``ActionExecutor.run``, the one entry point of every
action call, so that each call's time and each failure are counted, whatever kind of action it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from actions import metrics
from actions.log_context import sender_id_of
from actions.observability import OK, Readiness, exposition, probe
from actions.services import Services
from actions.worker_load import WORKER_LOAD

# Without these a turn cannot be read (emotion) or answered (retrieval); the generator has a fallback.
REQUIRED_MODELS = ("emotion model", "sentence encoder")

_stock_run = ActionExecutor.run


async def readiness(services: Services, warm_up: bool) -> Readiness:
    """The worker's readiness: its models (when warmed up at start) and its Redis."""
    if warm_up:
        status = services.model_status()
        missing = [f"{name} {status[name]}" for name in REQUIRED_MODELS if status[name] != "loaded"]
        if not services.warmed_up:
            models = "warm-up not finished"
        else:
            models = ", ".join(missing) if missing else OK
    else:
        models = OK  # loaded on first use (CS_WARM_UP=false)
    return Readiness({"models": models, "redis": await probe(services.redis.ping)})


def add_operations_routes(app: Sanic, services: Callable[[], Services], warm_up: bool) -> None:
    """Add ``/healthz``, ``/readyz`` and ``/metrics`` to this worker's app."""

    async def healthz(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    async def readyz(request: Request) -> HTTPResponse:
        result = await readiness(services(), warm_up)
        return response.json(result.body(), status=result.status_code)

    async def metrics_text(request: Request) -> HTTPResponse:
        body, content_type = exposition(metrics.REGISTRY)
        return response.raw(body, content_type=content_type)

    app.add_route(healthz, "/healthz", methods=["GET"], name="cs_healthz")
    app.add_route(readyz, "/readyz", methods=["GET"], name="cs_readyz")
    app.add_route(metrics_text, "/metrics", methods=["GET"], name="cs_metrics")


async def timed_run(self: ActionExecutor, action_call: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """Drop-in for ``ActionExecutor.run``: the call's time by action name, and its failure if it fails."""
    name = action_call.get("next_action")
    if not name:
        return await _stock_run(self, action_call, *args, **kwargs)
    # Only registered names become labels: the caller chooses the name.
    label = name if isinstance(name, str) and name in self.actions else metrics.UNKNOWN
    started = time.perf_counter()
    try:
        with WORKER_LOAD.serving(sender_id_of(action_call)):
            return await _stock_run(self, action_call, *args, **kwargs)
    except (ActionExecutionRejection, ActionMissingDomainException):
        raise  # a form rejecting a value, or Rasa asked to send the domain: no failure
    except ActionNotFoundException:
        metrics.action_failed(label, "not_found")
        raise
    except Exception as error:
        metrics.action_failed(label, metrics.error_kind(error))
        raise
    finally:
        metrics.action_finished(label, time.perf_counter() - started)


def instrument_executor() -> None:
    """Make every action call go through ``timed_run`` (idempotent: each worker builds its app once)."""
    ActionExecutor.run = timed_run
