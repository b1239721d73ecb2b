"""The widget's socket.io frames, read off the real browser's websocket against the real Rasa server."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, WebSocket

from tests.browser.widget import SESSION_KEY, open_widget, say

# A socket.io event as Engine.IO carries it: "42" then the JSON array [name, data].
EVENT_FRAME = re.compile(r"^42(\[.*\])$", re.DOTALL)


def _events(frames: list[str], name: str) -> list[Any]:
    events = []
    for frame in frames:
        match = EVENT_FRAME.match(frame)
        if match:
            event = json.loads(match.group(1))
            if event[0] == name:
                events.append(event[1])
    return events


def test_each_message_carries_the_conversations_ticket(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    """So the server can read one that reaches a new socket before its session_request (a reconnect)."""
    page = new_context().new_page()
    sent: list[str] = []

    def watch(socket: WebSocket) -> None:
        socket.on("framesent", lambda payload: sent.append(payload if isinstance(payload, str) else ""))

    page.on("websocket", watch)
    open_widget(page, f"{base_url}/")
    assert say(page, "hi")
    stored = json.loads(page.evaluate(f"localStorage.getItem({SESSION_KEY!r})"))
    messages = _events(sent, "user_uttered")
    assert [message["message"] for message in messages] == ["hi"]
    assert messages[0]["session_id"] == stored["id"]
    assert messages[0]["ticket"] == stored["ticket"]
