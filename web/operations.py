"""The web app's operations endpoints: ``/healthz``, ``/readyz`` and ``/metrics``.

- ``GET /healthz``: 200 ``{"status": "ok"}`` while the app serves.
- ``GET /readyz``: 200 ``{"status": "ready", "checks": {"redis": "ok"}}`` when Redis answers a
  PING (the app has no models to load); else 503 with the reason.
- ``GET /metrics``: web/metrics.py, plus the handoff queue read from Redis at each scrape.

The public proxy (deploy/nginx-public.conf) passes every path to the web app, so ``/metrics``
answers 404 to a request that came through a proxy (it carries ``X-Forwarded-For``,
``Forwarded`` or ``X-Real-IP``): Prometheus scrapes the app directly on the private network.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from actions.errors import AssistantError
from actions.observability import Readiness, exposition, probe
from web import metrics
from web.services import services_of

logger = logging.getLogger(__name__)

# Headers a reverse proxy adds; a scrape straight from the private network carries none.
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


async def healthz(request: Request) -> Response:
    """Liveness: the app serves."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Readiness: Redis answers."""
    result = Readiness({"redis": await probe(services_of(request).redis.ping)})
    return JSONResponse(result.body(), status_code=result.status_code)


async def metrics_text(request: Request) -> Response:
    """The web app's metrics and the handoff queue, in Prometheus' text format; 404 through a proxy."""
    if any(header in request.headers for header in PROXY_HEADERS):
        return JSONResponse({"error": "not found"}, status_code=404)
    extra: list[metrics.QueueCollector] = []
    try:
        extra.append(metrics.QueueCollector(await services_of(request).desk.summary()))
    except AssistantError:
        logger.warning("metrics: the handoff queue could not be read; its gauges are left out", exc_info=True)
    body, content_type = exposition(metrics.REGISTRY, extra)
    return Response(body, media_type=content_type)


def operations_routes() -> list[BaseRoute]:
    """The three routes."""
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
    ]
