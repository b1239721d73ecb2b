"""The socket.io channel, as the chat page uses it, with session persistence."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import socketio

from stack.assistant import Assistant

pytestmark = pytest.mark.integration


async def _exchange(url: str, session_id: str, text: str) -> list[dict]:
    client = socketio.AsyncClient()
    replies: list[dict] = []
    confirmed = asyncio.Event()
    got_reply = asyncio.Event()

    @client.on("session_confirm")
    async def _confirm(data: object) -> None:
        confirmed.set()

    @client.on("bot_uttered")
    async def _bot(data: dict) -> None:
        replies.append(data)
        got_reply.set()

    await client.connect(url, transports=["websocket"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), 10)
        await client.emit("user_uttered", {"message": text, "session_id": session_id, "customData": {}})
        await asyncio.wait_for(got_reply.wait(), 30)
        await asyncio.sleep(0.5)  # a response may come as several messages
    finally:
        await client.disconnect()
    return replies


async def test_socketio_conversation_continues_after_reconnect(assistant: Assistant) -> None:
    session_id = uuid.uuid4().hex
    first = await _exchange(assistant.rasa_url, session_id, "where is my order?")
    assert any("order number" in r.get("text", "") for r in first)
    # A new socket (a page reload) with the same session id is the same conversation:
    # the form is still waiting for the order number.
    second = await _exchange(assistant.rasa_url, session_id, "abc")
    assert any("doesn't look like an order number" in r.get("text", "") for r in second)


def test_demo_store_page_loads_the_widget_pointed_at_rasa(assistant: Assistant) -> None:
    base = f"http://{assistant.settings.host}:{assistant.settings.web_port}"
    page = httpx.get(f"{base}/", timeout=10)
    assert page.status_code == 200
    assert str(assistant.settings.rasa_port) in page.text and "/widget.js" in page.text
    bundle = httpx.get(f"{base}/widget.js", timeout=10)
    assert bundle.status_code == 200 and len(bundle.content) > 10_000
