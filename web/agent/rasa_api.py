"""The web app's only way into Rasa: its HTTP API, with the token, on the server side."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from actions.errors import AssistantError

logger = logging.getLogger(__name__)

# Rasa runs the appended events' side effects (sending BotUttered to the channel)
# only when asked; "socketio" is the widget's channel.
WIDGET_CHANNEL = "socketio"


class RasaUnavailable(AssistantError):
    """Rasa's HTTP API did not answer, or refused the request."""


class RasaApi:
    """Reads trackers and the domain, appends events, triggers intents."""

    def __init__(self, base_url: str, token: str, timeout_s: float) -> None:
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s)
        self._token = token
        self._domain: dict[str, Any] | None = None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        params = {"token": self._token, **kwargs.pop("params", {})}
        try:
            response = await self._client.request(method, path, params=params, **kwargs)
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"Rasa did not answer {method} {path}: {error}") from error
        if response.status_code >= 400:
            # The body names the problem; the token is never logged (it is a query parameter).
            raise RasaUnavailable(
                f"Rasa refused {method} {path}: {response.status_code} {response.text[:300]}"
            )
        return response.json() if response.content else None

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker: slots, paused state and every event of the current session on."""
        return await self._request(
            "GET", f"/conversations/{conversation_id}/tracker", params={"include_events": "ALL"}
        )

    async def domain(self) -> dict[str, Any]:
        """The bot's domain (slots and their mappings), read once per process."""
        if self._domain is None:
            self._domain = await self._request("GET", "/domain", headers={"Accept": "application/json"})
        return self._domain

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append events to the tracker and send any bot messages among them to the widget."""
        await self._request(
            "POST",
            f"/conversations/{conversation_id}/tracker/events",
            params={"output_channel": WIDGET_CHANNEL, "execute_side_effects": "true"},
            json=events,
        )

    async def trigger_intent(self, conversation_id: str, intent: str) -> None:
        """Run the bot as if the customer had said ``intent``, replying on the widget's channel."""
        await self._request(
            "POST",
            f"/conversations/{conversation_id}/trigger_intent",
            params={"output_channel": WIDGET_CHANNEL},
            json={"name": intent},
        )
