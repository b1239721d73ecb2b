"""The socket.io channel: agent/handoff keys reach the widget, emits cross worker processes (Rasa env)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOOutput
from rasa.core.run import create_http_input_channels
from redis import Redis

from actions.deployment import ProductionRefused
from rasa_addons.conversation_ids import DEMO_CONVERSATION_SECRET, ConversationTickets
from rasa_addons.socketio_channel import AgentAwareSocketIOOutput, JsonRedisManager, SocketIOChannel

REDIS_DB = 9  # this suite's database
ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = ROOT / "bot" / "credentials.yml"
SETTINGS = {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True,
            "metadata_key": "customData"}  # fmt: skip
REDIS = {"redis_host": "127.0.0.1", "redis_port": "6379", "redis_db": str(REDIS_DB), "redis_password": ""}


class RecordingServer:
    """Stands in for socketio.AsyncServer: records what the output channel emits."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, dict[str, Any]]] = []

    async def emit(self, event, data=None, to=None, room=None,  # type: ignore[no-untyped-def]
                   skip_sid=None, namespace=None, callback=None, ignore_queue=False):  # fmt: skip
        arguments = {
            "to": to,
            "room": room,
            "skip_sid": skip_sid,
            "namespace": namespace,
            "callback": callback,
            "ignore_queue": ignore_queue,
        }
        self.emitted.append((event, data, {name: value for name, value in arguments.items() if value}))


def test_the_recording_server_emits_with_socketios_signature() -> None:
    assert inspect.signature(RecordingServer.emit) == inspect.signature(socketio.AsyncServer.emit)


async def _emits(output_class: type[SocketIOOutput], message: dict[str, Any]) -> list[tuple[str, Any, dict]]:
    server = RecordingServer()
    await output_class(server, "bot_uttered").send_response("s-1", dict(message))  # type: ignore[arg-type]
    return server.emitted


# --- the output channel ------------------------------------------------------------------------------


async def test_an_agent_message_carries_the_agent_in_every_part() -> None:
    message = {"text": "Hi, I'm Sam.\n\nHow can I help?", "agent": {"name": "Sam"}, "timestamp": 1.0}
    assert await _emits(AgentAwareSocketIOOutput, message) == [
        ("bot_uttered", {"text": "Hi, I'm Sam.", "agent": {"name": "Sam"}}, {"room": "s-1"}),
        ("bot_uttered", {"text": "How can I help?", "agent": {"name": "Sam"}}, {"room": "s-1"}),
    ]


async def test_a_handoff_notice_carries_its_kind() -> None:
    joined = {"text": "Sam from our team has joined the chat.", "handoff": "joined", "agent": {"name": "Sam"}}
    left = {"text": "You're back with the assistant.", "handoff": "left"}
    assert [data for _, data, _ in await _emits(AgentAwareSocketIOOutput, joined)] == [joined]
    assert [data for _, data, _ in await _emits(AgentAwareSocketIOOutput, left)] == [left]


@pytest.mark.parametrize(
    "message",
    [
        {"text": "Where is my order?", "timestamp": 1.0, "utter_action": "utter_ask"},
        {"text": "Rate us", "quick_replies": [{"title": "5", "payload": '/rate{"rating":"5"}'}]},
        {"text": "Pick one", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        {"image": "https://example.com/a.png"},
        {"attachment": {"type": "file", "payload": {"src": "https://example.com/a.pdf"}}},
        {"custom": {"data": {"type": "note"}}},
    ],
)
async def test_other_messages_are_emitted_exactly_as_rasa_does(message: dict[str, Any]) -> None:
    assert await _emits(AgentAwareSocketIOOutput, message) == await _emits(SocketIOOutput, message)


async def test_a_carousel_is_emitted_as_the_message_itself() -> None:
    carousel = {"type": "carousel", "items": [{"product_id": "p1", "title": "Kettle", "buttons": []}]}
    with pytest.raises(TypeError):  # Rasa 3.6 passes the payload's keys to emit() as arguments
        await _emits(SocketIOOutput, {"custom": dict(carousel)})
    assert await _emits(AgentAwareSocketIOOutput, {"custom": dict(carousel)}) == [
        ("bot_uttered", carousel, {"room": "s-1"})
    ]


# --- configuration -----------------------------------------------------------------------------------


def test_credentials_yml_configures_the_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "9",
        "REDIS_PASSWORD": "",
    }.items():
        monkeypatch.setenv(name, value)
    channels = {channel.name(): channel for channel in create_http_input_channels(None, str(CREDENTIALS))}
    assert set(channels) == {"rest", "socketio"}
    channel = channels["socketio"]
    assert isinstance(channel, SocketIOChannel)
    assert (channel.user_message_evt, channel.bot_message_evt) == ("user_uttered", "bot_uttered")
    assert channel.session_persistence and channel.metadata_key == "customData"
    assert channel.redis is not None and channel.redis.password is None
    assert (channel.redis.host, channel.redis.port, channel.redis.pubsub_channel) == (
        "127.0.0.1",
        6379,
        "cs:socketio:9",
    )


def test_without_redis_the_channel_keeps_rasas_in_process_manager() -> None:
    channel = SocketIOChannel.from_credentials(SETTINGS)
    channel.blueprint(_ignore)
    assert channel.redis is None and channel.sio is not None
    assert not isinstance(channel.sio.manager, JsonRedisManager)
    assert isinstance(channel.get_output_channel(), AgentAwareSocketIOOutput)


async def _ignore(message: UserMessage) -> None:
    return None


# --- two worker processes, as with SANIC_WORKERS=2 ---------------------------------------------------

# One Rasa worker's socket.io channel in its own process. Its "bot" answers each customer
# message with the message's metadata merged in, as an agent message appended through
# Rasa's HTTP API would be.
WORKER = """
import json, sys
from sanic import Sanic
from rasa_addons.socketio_channel import SocketIOChannel

credentials, port = json.loads(sys.argv[1]), int(sys.argv[2])
channel = SocketIOChannel.from_credentials(credentials)

async def on_new_message(message):
    reply = {"text": "echo " + message.text, **message.metadata}
    await message.output_channel.send_response(message.sender_id, reply)

app = Sanic("worker")
app.blueprint(channel.blueprint(on_new_message))
app.run(host="127.0.0.1", port=port, access_log=False)
"""


@pytest.fixture
def redis() -> Iterator[Redis]:
    client = Redis(db=REDIS_DB)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def start_worker() -> Iterator[Callable[[dict[str, Any]], str]]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(credentials: dict[str, Any]) -> str:
        port = _free_port()
        processes.append(subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(credentials), str(port)],
                                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}))  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return f"http://127.0.0.1:{port}"
            assert processes[-1].poll() is None, "the worker process exited"
            time.sleep(0.1)
        raise TimeoutError("the worker did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(10)


@dataclass
class Tab:
    """A widget's socket: the conversation confirmed to it, its ticket and the bot messages it got."""

    client: socketio.AsyncClient
    session_id: str
    ticket: str
    utterances: asyncio.Queue[dict]


async def _open(url: str, request: dict[str, Any] | None = None) -> Tab:
    client, utterances = socketio.AsyncClient(), asyncio.Queue[dict]()
    confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    tickets: list[dict[str, str]] = []
    client.on("session_ticket", tickets.append)
    client.on("session_confirm", confirmed.set_result)
    client.on("bot_uttered", utterances.put_nowait)
    # Long-polling: the Rasa env's aiohttp (3.9) is too old for engineio's websocket
    # client; each worker here is a single process, so polling stays on one.
    await client.connect(url, transports=["polling"])
    await client.emit("session_request", request or {})
    session_id = await asyncio.wait_for(confirmed, 10)
    assert tickets and tickets[-1]["session_id"] == session_id  # the ticket comes first
    return Tab(client, session_id, tickets[-1]["ticket"], utterances)


async def _connect(
    url: str, session_id: str, ticket: str
) -> tuple[socketio.AsyncClient, asyncio.Queue[dict]]:
    tab = await _open(url, {"session_id": session_id, "ticket": ticket})
    assert tab.session_id == session_id
    return tab.client, tab.utterances


async def _reply_across_workers(worker_a: str, worker_b: str, timeout_s: float) -> list[dict[str, Any]]:
    """A customer tab on worker A speaks; what does a tab of the same session on worker B receive?"""
    session_id, ticket = ConversationTickets(DEMO_CONVERSATION_SECRET).new_conversation()
    on_a, replies_on_a = await _connect(worker_a, session_id, ticket)
    on_b, replies_on_b = await _connect(worker_b, session_id, ticket)
    try:
        await on_a.emit(
            "user_uttered",
            {
                "message": "hi",
                "session_id": session_id,
                "customData": {"agent": {"name": "Sam"}, "handoff": "joined"},
            },
        )
        expected = {"text": "echo hi", "agent": {"name": "Sam"}, "handoff": "joined"}
        assert await asyncio.wait_for(replies_on_a.get(), 10) == expected
        received = []
        with contextlib.suppress(asyncio.TimeoutError):
            received.append(await asyncio.wait_for(replies_on_b.get(), timeout_s))
        return received
    finally:
        await asyncio.gather(on_a.disconnect(), on_b.disconnect())
        await asyncio.gather(on_a.wait(), on_b.wait())  # their polling tasks end


async def test_a_message_sent_by_one_worker_reaches_a_socket_on_the_other(
    start_worker: Callable[[dict[str, Any]], str], redis: Redis
) -> None:
    credentials = {**SETTINGS, **REDIS}
    received = await _reply_across_workers(start_worker(credentials), start_worker(credentials), 10)
    assert received == [{"text": "echo hi", "agent": {"name": "Sam"}, "handoff": "joined"}]


async def test_without_redis_each_worker_reaches_only_its_own_sockets(
    start_worker: Callable[[dict[str, Any]], str],
) -> None:
    assert await _reply_across_workers(start_worker(SETTINGS), start_worker(SETTINGS), 2) == []


async def test_emits_travel_as_json(redis: Redis) -> None:
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("cs:socketio:9")
    manager = SocketIOChannel.from_credentials({**SETTINGS, **REDIS}).redis.manager()  # type: ignore[union-attr]
    try:
        await manager.emit("bot_uttered", {"text": "hi"}, room="session-3")
        message = None
        for _ in range(50):
            message = pubsub.get_message(timeout=0.1)
            if message:
                break
        assert message is not None
        published = json.loads(message["data"])
        assert (published["method"], published["event"], published["room"]) == (
            "emit",
            "bot_uttered",
            "session-3",
        )
        assert published["data"] == {"text": "hi"}
    finally:
        pubsub.close()
        await manager.redis.close(
            close_connection_pool=True
        )  # redis 4.6: from_url pools are not closed by default


async def test_a_redis_that_is_down_does_not_make_the_listener_spin(caplog: pytest.LogCaptureFixture) -> None:
    dead = {**SETTINGS, **REDIS, "redis_port": str(_free_port())}
    manager = SocketIOChannel.from_credentials(dead).redis.manager()  # type: ignore[union-attr]
    socketio.AsyncServer(client_manager=manager, async_mode="asgi")
    with caplog.at_level(logging.ERROR, logger="rasa_addons.socketio_channel"):
        manager.initialize()  # as on a worker's first socket: starts the listener
        await asyncio.sleep(0.5)
    try:
        assert not manager.thread.done()
        messages = [r.getMessage() for r in caplog.records]
        assert len(messages) == 1, messages  # one attempt, then a 1 s back-off
        assert messages[0].startswith("socket.io: cannot subscribe to Redis channel cs:socketio:9 (")
        assert messages[0].endswith("retrying in 1 s")
    finally:
        manager.thread.cancel()
        await asyncio.gather(manager.thread, return_exceptions=True)
        await manager.redis.close(close_connection_pool=True)


# --- conversations belong to their customer ----------------------------------------------------------


async def test_a_socket_without_its_conversations_ticket_is_refused_that_conversation(
    start_worker: Callable[[dict[str, Any]], str],
) -> None:
    url = start_worker(SETTINGS)
    owner = await _open(url)  # a new widget: the server issues its id and ticket
    assert len(owner.session_id) == 32 and int(owner.session_id, 16) >= 0
    other = await _open(url)
    tabs = [owner, other]
    try:
        forged = f"{owner.ticket.partition('.')[0]}.{'0' * 64}"
        for ticket in (None, "", forged, other.ticket, "9" * 20 + ".x"):
            request = {"session_id": owner.session_id}
            if ticket is not None:
                request["ticket"] = ticket
            intruder = await _open(url, request)
            tabs.append(intruder)
            # Refused: a conversation of its own, never the owner's room ...
            assert intruder.session_id not in (owner.session_id, other.session_id)
            # ... and its messages for the owner's conversation are dropped.
            await intruder.client.emit(
                "user_uttered", {"message": "mine now", "session_id": owner.session_id}
            )
        # The intruder's messages reached no one (the worker echoes to the conversation's room).
        await asyncio.sleep(1)
        assert all(tab.utterances.empty() for tab in tabs)
        # The owner (a reload: the same id and ticket) still has its conversation.
        again = await _open(url, {"session_id": owner.session_id, "ticket": owner.ticket})
        tabs.append(again)
        assert again.session_id == owner.session_id
        await again.client.emit("user_uttered", {"message": "hi", "session_id": owner.session_id})
        assert await asyncio.wait_for(owner.utterances.get(), 10) == {"text": "echo hi"}
        assert await asyncio.wait_for(again.utterances.get(), 10) == {"text": "echo hi"}
        assert other.utterances.empty()
    finally:
        await asyncio.gather(*(tab.client.disconnect() for tab in tabs))
        await asyncio.gather(*(tab.client.wait() for tab in tabs))


def test_tickets_are_for_one_conversation_and_expire() -> None:
    now = [1_000_000.0]
    tickets = ConversationTickets("s" * 32, ttl_s=60, clock=lambda: now[0])
    session_id, ticket = tickets.new_conversation()
    other_id, other_ticket = tickets.new_conversation()
    assert session_id != other_id and len(session_id) == 32
    assert tickets.verify(session_id, ticket)
    assert not tickets.verify(session_id, other_ticket)
    assert not tickets.verify(other_id, ticket)
    assert not ConversationTickets("t" * 32).verify(session_id, ticket)  # another secret
    expiry, _, signature = ticket.partition(".")
    assert not tickets.verify(session_id, f"{int(expiry) + 3600}.{signature}")  # a stretched expiry
    for malformed in (None, "", signature, f"x.{signature}", f"{expiry}.", ticket + "0", 42, ticket * 3):
        assert not tickets.verify(session_id, malformed)
    assert not tickets.verify(None, ticket) and not tickets.verify("", ticket)
    now[0] += 59
    assert tickets.verify(session_id, ticket)
    now[0] += 1
    assert not tickets.verify(session_id, ticket)
    assert tickets.verify(session_id, tickets.issue(session_id))


def test_the_secret_comes_from_the_environment_and_production_refuses_the_demo_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CONVERSATION_SECRET", raising=False)
    monkeypatch.delenv("CS_ENV", raising=False)
    session_id, ticket = ConversationTickets(DEMO_CONVERSATION_SECRET).new_conversation()
    assert ConversationTickets.from_environment().verify(session_id, ticket)
    monkeypatch.setenv("CS_ENV", "production")
    with pytest.raises(ProductionRefused, match="CONVERSATION_SECRET"):
        ConversationTickets.from_environment()
    monkeypatch.setenv("CONVERSATION_SECRET", "x" * 40)
    assert not ConversationTickets.from_environment().verify(session_id, ticket)


async def test_a_message_that_comes_before_its_session_request_is_read_by_its_ticket(
    start_worker: Callable[[dict[str, Any]], str],
) -> None:
    """As after a reconnect, when socket.io's client flushes its buffer before session_request."""
    url = start_worker(SETTINGS)
    owner = await _open(url)
    clients: list[socketio.AsyncClient] = [owner.client]
    try:

        async def early(ticket: str | None) -> asyncio.Queue[dict]:
            client, utterances = socketio.AsyncClient(), asyncio.Queue[dict]()
            client.on("bot_uttered", utterances.put_nowait)
            clients.append(client)
            await client.connect(url, transports=["polling"])
            message = {"message": "still there?", "session_id": owner.session_id}
            if ticket is not None:
                message["ticket"] = ticket
            await client.emit("user_uttered", message)
            return utterances

        forged = f"{owner.ticket.partition('.')[0]}.{'0' * 64}"
        refused = [await early(ticket) for ticket in (None, forged)]
        await asyncio.sleep(1)
        assert owner.utterances.empty() and all(queue.empty() for queue in refused)
        # With its ticket the message is read, and the new socket joins the conversation's room.
        reconnected = await early(owner.ticket)
        assert await asyncio.wait_for(reconnected.get(), 10) == {"text": "echo still there?"}
        assert await asyncio.wait_for(owner.utterances.get(), 10) == {"text": "echo still there?"}
        # A socket confirmed to a conversation of its own cannot switch by a message's ticket.
        other = await _open(url)
        clients.append(other.client)
        await other.client.emit(
            "user_uttered", {"message": "mine now", "session_id": owner.session_id, "ticket": owner.ticket}
        )
        await asyncio.sleep(1)
        assert owner.utterances.empty() and other.utterances.empty()
    finally:
        await asyncio.gather(*(client.disconnect() for client in clients))
        await asyncio.gather(*(client.wait() for client in clients))
