"""The socket.io channel, as the chat page uses it, with session persistence."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import socketio

from stack.assistant import Assistant

pytestmark = pytest.mark.integration


@dataclass
class Tab:
    """A widget's socket: the conversation the server confirmed to it, its ticket, the bot messages."""

    client: socketio.AsyncClient
    session_id: str
    ticket: str
    replies: asyncio.Queue[dict]

    async def say(self, text: str) -> list[dict]:
        await self.client.emit(
            "user_uttered", {"message": text, "session_id": self.session_id, "customData": {}}
        )
        replies = [await asyncio.wait_for(self.replies.get(), 30)]
        await asyncio.sleep(0.5)  # a response may come as several messages
        while not self.replies.empty():
            replies.append(self.replies.get_nowait())
        return replies


@contextlib.asynccontextmanager
async def _tab(url: str, request: dict[str, str] | None = None) -> AsyncIterator[Tab]:
    """A socket that asked for a conversation (by default a new one) as the widget does."""
    client, replies = socketio.AsyncClient(), asyncio.Queue[dict]()
    confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    tickets: list[dict[str, str]] = []
    client.on("session_ticket", tickets.append)
    client.on("session_confirm", confirmed.set_result)
    client.on("bot_uttered", replies.put_nowait)
    await client.connect(url, transports=["websocket"])
    try:
        await client.emit("session_request", {**(request or {}), "customData": {}})
        session_id = await asyncio.wait_for(confirmed, 10)
        assert tickets and tickets[-1]["session_id"] == session_id
        yield Tab(client, session_id, tickets[-1]["ticket"], replies)
    finally:
        await client.disconnect()


async def test_socketio_conversation_continues_after_reconnect(assistant: Assistant) -> None:
    async with _tab(assistant.rasa_url) as first:
        assert any("order number" in r.get("text", "") for r in await first.say("where is my order?"))
    # A new socket (a page reload) with the same session id and its ticket is the same
    # conversation: the form is still waiting for the order number.
    async with _tab(assistant.rasa_url, {"session_id": first.session_id, "ticket": first.ticket}) as second:
        assert second.session_id == first.session_id
        assert any("doesn't look like an order number" in r.get("text", "") for r in await second.say("abc"))


async def test_a_second_socket_presenting_another_conversations_id_is_refused(assistant: Assistant) -> None:
    async with _tab(assistant.rasa_url) as owner, _tab(assistant.rasa_url) as other:
        assert await owner.say("hello")
        forged = f"{owner.ticket.partition('.')[0]}.{'0' * 64}"
        for ticket in (None, forged, other.ticket):
            request = {"session_id": owner.session_id}
            if ticket is not None:
                request["ticket"] = ticket
            async with _tab(assistant.rasa_url, request) as intruder:
                # Refused: a new conversation of its own, not the owner's room ...
                assert intruder.session_id not in (owner.session_id, other.session_id)
                # ... and a message for the owner's conversation is dropped: no reply anywhere.
                message = {"message": "where is my order?", "session_id": owner.session_id, "customData": {}}
                await intruder.client.emit("user_uttered", message)
                await asyncio.sleep(3)
                assert intruder.replies.empty() and owner.replies.empty()
        token = assistant.settings.rasa_token.get_secret_value()
        tracker = httpx.get(
            f"{assistant.rasa_url}/conversations/{owner.session_id}/tracker",
            params={"token": token},
            timeout=10,
        )
        tracker.raise_for_status()
        said = [e.get("text") for e in tracker.json()["events"] if e["event"] == "user"]
        assert said == ["hello"]
        assert other.replies.empty()


def test_demo_store_page_loads_the_widget_pointed_at_rasa(assistant: Assistant) -> None:
    base = f"http://{assistant.settings.host}:{assistant.settings.web_port}"
    page = httpx.get(f"{base}/", timeout=10)
    assert page.status_code == 200
    assert str(assistant.settings.rasa_port) in page.text and "/widget.js" in page.text
    bundle = httpx.get(f"{base}/widget.js", timeout=10)
    assert bundle.status_code == 200 and len(bundle.content) > 10_000


async def test_a_megabyte_message_is_answered_at_once_while_another_customer_is_served_as_usual(
    assistant: Assistant,
) -> None:
    clock = asyncio.get_running_loop().time
    async with _tab(assistant.rasa_url) as sender, _tab(assistant.rasa_url) as bystander:

        async def timed(tab: Tab, text: str) -> tuple[float, list[dict]]:
            started = clock()
            replies = await tab.say(text)
            return clock() - started - 0.5, replies  # say() waits 0.5 s for more parts

        usual = max([(await timed(bystander, text))[0] for text in ("hello", "do you ship to canada?")])
        for text in ("a" * 1_000_000, "a." * 500_000):
            (answered_in, answer), (alongside, _) = await asyncio.gather(
                timed(sender, text), timed(bystander, "do you ship to canada?")
            )
            assert answered_in < 1.0 and any("too long" in r.get("text", "") for r in answer), answer
            assert alongside < max(2 * usual, usual + 1.0), (alongside, usual)
        assert any("order number" in r.get("text", "") for r in await sender.say("where is my order?"))
