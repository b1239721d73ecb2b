"""What the live consoles build on, against the real stack (two Rasa workers):

- an agent's message appended through Rasa's HTTP API reaches the widget's socket,
  with the agent's name, whichever worker handles the request;
- every tracker event lands in the Redis stream ``cs:events``;
- a paused conversation records the customer without answering, and resumes with its slots.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
import pytest
import socketio
from redis import Redis

from rasa_addons.conversation_ids import ConversationTickets
from stack.assistant import Assistant
from tests.integration.test_conversations import _order_with_status, _tracker

pytestmark = pytest.mark.integration

EVENTS = "cs:events"
POSTS = 10  # at least; more (up to MAX_POSTS) until both workers have handled one
MAX_POSTS = 30
REPLY_TIMEOUT_S = 30.0
QUIET_S = 1.5  # a response may come as several messages


@dataclass
class Widget:
    """A socket.io client as the chat widget uses it: websocket transport, one session."""

    session_id: str
    client: socketio.AsyncClient = field(default_factory=socketio.AsyncClient)
    received: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    async def say(self, text: str) -> list[dict[str, Any]]:
        """Send a customer message; the bot's messages (waits for the first, then for quiet)."""
        await self.client.emit(
            "user_uttered", {"message": text, "session_id": self.session_id, "customData": {}}
        )
        replies = [await asyncio.wait_for(self.received.get(), REPLY_TIMEOUT_S)]
        return replies + await self.drain(QUIET_S)

    async def drain(self, quiet_s: float) -> list[dict[str, Any]]:
        """Whatever arrives until nothing has for ``quiet_s``."""
        messages = []
        with contextlib.suppress(asyncio.TimeoutError):
            while True:
                messages.append(await asyncio.wait_for(self.received.get(), quiet_s))
        return messages


@contextlib.asynccontextmanager
async def widget(assistant: Assistant, session_id: str) -> AsyncIterator[Widget]:
    opened = Widget(session_id)
    confirmed = asyncio.Event()
    opened.client.on("session_confirm", lambda _: confirmed.set())
    opened.client.on("bot_uttered", opened.received.put_nowait)
    await opened.client.connect(assistant.rasa_url, transports=["websocket"])
    try:
        # The server issued this conversation id (rasa_addons/conversation_ids.py): present its ticket.
        ticket = ConversationTickets.from_environment().issue(session_id)
        await opened.client.emit("session_request", {"session_id": session_id, "ticket": ticket})
        await asyncio.wait_for(confirmed.wait(), 10)
        yield opened
    finally:
        await opened.client.disconnect()


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def _token(assistant: Assistant) -> str:
    return assistant.settings.rasa_token.get_secret_value()


def _rasa_workers(assistant: Assistant) -> list[psutil.Process]:
    main = next(p for p in assistant.processes if p.name == "rasa")
    assert main.pid is not None
    return psutil.Process(main.pid).children(recursive=True)


def _worker_of(assistant: Assistant, client_port: int) -> int | None:
    """The Rasa worker process that accepted our TCP connection from ``client_port``."""
    for worker in _rasa_workers(assistant):
        for connection in worker.net_connections(kind="tcp"):
            if connection.raddr and connection.raddr.port == client_port \
                    and connection.laddr.port == assistant.settings.rasa_port:  # fmt: skip
                return worker.pid
    return None


def _own_ports_to(port: int) -> set[int]:
    """Local ports of this process's connections to ``port``."""
    return {
        c.laddr.port for c in psutil.Process().net_connections(kind="tcp") if c.raddr and c.raddr.port == port
    }


async def _append(assistant: Assistant, conversation_id: str, events: list[dict[str, Any]],
                  **params: str) -> int | None:  # fmt: skip
    """Append events through Rasa's HTTP API; returns the worker that handled the request."""
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(f"{assistant.rasa_url}/conversations/{conversation_id}/tracker/events",
                                   params={"token": _token(assistant), **params}, json=events)  # fmt: skip
        response.raise_for_status()
        # The connection is still open (keep-alive): its server end tells which worker took it.
        client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
        return _worker_of(assistant, client_port)


def _stream_entries(redis: Redis, sender_id: str, after: str = "-") -> list[dict[str, str]]:
    return [fields for _, fields in redis.xrange(EVENTS, min=after) if fields["sender_id"] == sender_id]


async def test_an_agent_message_reaches_the_widget_whichever_worker_handles_it(
    assistant: Assistant, store_redis: Redis
) -> None:
    session_id = uuid.uuid4().hex
    before = _own_ports_to(assistant.settings.rasa_port)
    async with widget(assistant, session_id) as customer:
        (socket_port,) = _own_ports_to(assistant.settings.rasa_port) - before
        socket_worker = _worker_of(assistant, socket_port)
        assert socket_worker is not None, "no Rasa worker holds the widget's websocket"

        rows: list[tuple[int, int | None, bool]] = []  # attempt, worker that took the POST, delivered
        problems: list[str] = []
        while len(rows) < POSTS or (
            len({w for _, w, _ in rows} | {socket_worker}) < 2 and len(rows) < MAX_POSTS
        ):
            text = f"Hi, I'm Sam ({len(rows)})"
            event = {"event": "bot", "text": text, "metadata": {"agent": {"name": "Sam"}}}
            post_worker = await _append(assistant, session_id, [event], output_channel="socketio",
                                        execute_side_effects="true")  # fmt: skip
            delivered = await customer.drain(5.0 if not rows else 2.0)
            if delivered != [{"text": text, "agent": {"name": "Sam"}}]:
                problems.append(f"POST {len(rows)} (worker {post_worker}): the widget got {delivered}")
            rows.append((len(rows), post_worker, delivered != []))

    print(f"widget socket on worker {socket_worker}; POSTs (attempt, worker, delivered): {rows}")
    assert not problems, "\n".join(problems)
    assert all(worker is not None for _, worker, _ in rows), "could not tell which worker took a POST"
    cross = [row for row in rows if row[1] != socket_worker]
    assert cross, (
        f"every POST was handled by the socket's own worker {socket_worker}: cross-worker not exercised"
    )

    events = _tracker(assistant, session_id)["events"]
    agent_lines = [e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("agent")]
    assert [e["text"] for e in agent_lines] == [f"Hi, I'm Sam ({n})" for n in range(len(rows))]
    assert all(e["metadata"]["agent"] == {"name": "Sam"} for e in agent_lines)
    # The console's feed has them too, metadata included.
    streamed = [
        json.loads(f["event"]) for f in _stream_entries(store_redis, session_id) if f["type"] == "bot"
    ]
    assert [e["text"] for e in streamed] == [e["text"] for e in agent_lines]
    assert all(e["metadata"]["agent"] == {"name": "Sam"} for e in streamed), [e["metadata"] for e in streamed]
    print(f"a streamed agent message: {streamed[0]}")


async def test_a_customer_message_reaches_the_event_stream_within_a_second(
    assistant: Assistant, store_redis: Redis
) -> None:
    session_id = uuid.uuid4().hex
    async with widget(assistant, session_id) as customer:
        sent = time.monotonic()
        await customer.client.emit(
            "user_uttered", {"message": "hi", "session_id": session_id, "customData": {}}
        )
        streamed_after = replied_after = None
        while time.monotonic() - sent < REPLY_TIMEOUT_S and streamed_after is None:
            if replied_after is None and not customer.received.empty():
                replied_after = time.monotonic() - sent
            if any(f["type"] == "user" for f in _stream_entries(store_redis, session_id)):
                streamed_after = time.monotonic() - sent
            await asyncio.sleep(0.01)
        if replied_after is None:
            await asyncio.wait_for(customer.received.get(), REPLY_TIMEOUT_S)
            replied_after = time.monotonic() - sent
        await customer.drain(QUIET_S)

    print(f"customer message in {EVENTS} after {streamed_after} s; first reply after {replied_after} s")
    assert streamed_after is not None, f"no user event of {session_id} in {EVENTS}"
    assert streamed_after < 1.0, f"the user event took {streamed_after:.2f} s to reach {EVENTS}"
    user = next(f for f in _stream_entries(store_redis, session_id) if f["type"] == "user")
    event = json.loads(user["event"])
    assert (event["sender_id"], event["text"], event["input_channel"]) == (session_id, "hi", "socketio")
    assert isinstance(event["timestamp"], float)
    # The rest of the turn follows when Rasa saves it, the customer's message not repeated.
    for _ in range(50):
        types = [f["type"] for f in _stream_entries(store_redis, session_id)]
        if "bot" in types:
            break
        await asyncio.sleep(0.1)
    assert types.count("user") == 1 and "bot" in types[types.index("user") :], types


async def test_a_paused_conversation_listens_silently_and_resumes_with_its_slots(
    assistant: Assistant, store_redis: Redis
) -> None:
    order = _order_with_status(store_redis, {"in_transit", "shipped"})
    session_id = uuid.uuid4().hex
    async with widget(assistant, session_id) as customer:
        assert "order number" in _text(await customer.say("where is my order?"))
        assert "e-mail" in _text(await customer.say(order["id"]))
        assert order["tracking_number"] in _text(await customer.say(order["email"]))

        await _append(assistant, session_id, [{"event": "pause"}])
        assert _tracker(assistant, session_id)["paused"] is True
        await customer.client.emit(
            "user_uttered", {"message": "hello? anyone there?", "session_id": session_id, "customData": {}}
        )
        for _ in range(100):
            texts = [e.get("text") for e in _tracker(assistant, session_id)["events"] if e["event"] == "user"]
            if "hello? anyone there?" in texts:
                break
            await asyncio.sleep(0.1)
        assert "hello? anyone there?" in texts, "the paused conversation did not record the message"
        assert await customer.drain(3.0) == [], "the bot answered a paused conversation"

        await _append(assistant, session_id, [{"event": "resume"}])
        reply = _text(await customer.say("ok, so where is my order now?"))
        assert f"#{order['id']}" in reply, f"after resuming the bot lost the order: {reply!r}"

    types = [f["type"] for f in _stream_entries(store_redis, session_id)]
    assert "pause" in types and "resume" in types and types.index("pause") < types.index("resume")


async def test_recommendations_reach_the_widget_as_a_carousel(assistant: Assistant) -> None:
    # Rasa's own socket.io output raises TypeError on this custom payload; the widget would get nothing.
    async with widget(assistant, uuid.uuid4().hex) as customer:
        replies = await customer.say("can you recommend something?")
    carousels = [r for r in replies if r.get("type") == "carousel"]
    assert len(carousels) == 1 and carousels[0]["items"], replies
    assert set(carousels[0]) == {"type", "items"}
    assert all(
        {"product_id", "title", "price_text", "buttons"} <= set(item) for item in carousels[0]["items"]
    )
