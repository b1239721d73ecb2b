"""Only the Rasa server may call the action server: a shared secret on every call.

Rasa's ``action_endpoint`` sends ``Authorization: Bearer <ACTION_SERVER_TOKEN>``
(bot/endpoints.yml); anything else gets 401 before an action runs, so nobody who
reaches the port can look up orders, hand off or record scores on a made-up tracker.
Reading the operations endpoints stays open (``GET`` or ``HEAD`` only; any other method
needs the token): ``/health`` and ``/healthz`` tell nothing but that the server is up,
``/readyz`` whether its models and Redis are, ``/metrics`` counts and latencies with no
conversation, customer or text in them (actions/operations.py). Prometheus and the
orchestrator's probes reach them on the private network without the secret.
"""

from __future__ import annotations

import hmac
import logging

from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health", "/healthz", "/readyz", "/metrics"})
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def is_open(request: Request) -> bool:
    """Whether the request only reads an operations endpoint, which needs no token."""
    return request.path in OPEN_PATHS and request.method in READ_ONLY_METHODS


def authorised(request: Request, token: str) -> bool:
    """Whether the request carries the shared secret as a bearer token."""
    scheme, _, presented = (request.headers.get("authorization") or "").partition(" ")
    # Sanic decodes a header byte that is not UTF-8 as a lone surrogate, which plain encode()
    # refuses (a 500 instead of a 401); surrogatepass encodes every string, each differently.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.encode(errors="surrogatepass"), token.encode(errors="surrogatepass")
    )


def require_token(app: Sanic, token: str) -> None:
    """Refuse every call to ``app`` that lacks ``token``, but reads of the operations endpoints."""
    if not token:
        raise ValueError("the action server's token must not be empty")

    @app.on_request
    async def check_token(request: Request) -> HTTPResponse | None:
        if is_open(request) or authorised(request, token):
            return None
        logger.warning(
            "action server call without the shared secret refused: %s %s", request.method, request.path
        )
        return response.json({"error": "unauthorised"}, status=401)
