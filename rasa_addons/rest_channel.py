"""Rasa's REST channel, which production keeps closed unless an operator opens it with a token.

The REST channel takes any ``sender`` the caller names, so whoever reaches it can read
and write any conversation: it is for the demo, the tests and a store's own backend,
never for browsers (the widget uses socket.io, whose conversation ids are signed).

- With ``REST_CHANNEL_TOKEN`` set, every call must carry ``Authorization: Bearer <token>``
  (else 401). In production the token must be a real secret (actions/deployment.py).
- Without it, the channel is open in the demo and answers 404 in production.

``bot/credentials.yml`` names this class; the channel keeps Rasa's name ``rest`` and its
paths (``/webhooks/rest/webhook``).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable, Mapping

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.deployment import check_production_secret

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "REST_CHANNEL_TOKEN"


def refusal(headers: Mapping[str, str], token: str, production: bool) -> HTTPResponse | None:
    """Why a call is refused (404 closed, 401 without the token), or none if it may go on."""
    if not token:
        return response.json({"error": "not found"}, status=404) if production else None
    scheme, _, presented = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), token.encode()):
        return None
    return response.json({"error": "unauthorised"}, status=401)


class RestChannel(RestInput):
    """The REST channel behind ``REST_CHANNEL_TOKEN`` (closed in production without one)."""

    @classmethod
    def name(cls) -> str:
        """Rasa's channel name, so paths and ``input_channel`` stay as in Rasa."""
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """Rasa's routes, each behind the token check.

        Raises:
            ProductionRefused: In production, the token is a demo value or too short.

        """
        token = os.environ.get(TOKEN_VARIABLE, "")
        production = os.environ.get("CS_ENV") == "production"
        if production and token:
            check_production_secret(TOKEN_VARIABLE, token)
        if production and not token:
            logger.info("REST channel closed in production (set %s to open it)", TOKEN_VARIABLE)
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def guard(request: Request) -> HTTPResponse | None:
            refused = refusal(request.headers, token, production)
            if refused is not None and refused.status == 401:
                logger.warning("REST channel call without its token refused")
            return refused

        return webhook
