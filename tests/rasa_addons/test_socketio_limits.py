"""Per client address and per socket: more sockets or more conversations buy no more messages."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis

from rasa_addons import message_limits
from rasa_addons.socketio_channel import MAX_CONVERSATIONS_PER_SOCKET, client_address
from tests.rasa_addons.test_socketio_channel_properties import Server


@pytest.fixture
def counters(monkeypatch: pytest.MonkeyPatch) -> Iterator[redis.Redis]:
    """The address counter on the test database, three messages per address and window."""
    client = redis.Redis(db=9)
    monkeypatch.setattr(message_limits, "_counter_redis", lambda: client)
    monkeypatch.setattr(message_limits, "MAX_MESSAGES_PER_ADDRESS", 3)
    yield client
    for key in client.scan_iter("cs:limits:address:*"):
        client.delete(key)


def _environ(ip: str, **headers: str) -> dict[str, Any]:
    return {"REMOTE_ADDR": "127.0.0.1", "sanic.request": SimpleNamespace(ip=ip), **headers}


async def _socket(server: Server, ip: str) -> tuple[str, str]:
    sid = uuid.uuid4().hex
    await server.send("connect", sid, _environ(ip), None)
    await server.send("session_request", sid, {})
    tickets = [data for event, data, room in server.emitted if event == "session_ticket" and room == sid]
    return sid, tickets[-1]["session_id"]


async def test_an_address_is_limited_across_its_sockets_and_conversations(counters: redis.Redis) -> None:
    server = Server.start()
    first, second = await _socket(server, "203.0.113.7"), await _socket(server, "203.0.113.7")
    elsewhere = await _socket(server, "198.51.100.2")
    for sid, conversation in (first, second, first, second):
        await server.send("user_uttered", sid, {"message": "hi", "session_id": conversation})
    assert len(server.reached_rasa) == 3
    slowed = [data for event, data, room in server.emitted if event == "bot_uttered" and room == second[0]]
    assert slowed == [{"text": message_limits.SLOW_DOWN_TEXT}]
    await server.send("user_uttered", elsewhere[0], {"message": "hi", "session_id": elsewhere[1]})
    assert len(server.reached_rasa) == 4
    assert not any(b"203.0.113.7" in key for key in counters.scan_iter("cs:limits:address:*"))


async def test_a_socket_asking_for_conversation_after_conversation_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Server.start()
    closed: list[str] = []

    async def disconnect(sid: str, namespace: str | None = None) -> None:
        closed.append(sid)

    monkeypatch.setattr(server.channel.sio, "disconnect", disconnect)
    sid = uuid.uuid4().hex
    await server.send("connect", sid, _environ("203.0.113.7"), None)
    for _ in range(MAX_CONVERSATIONS_PER_SOCKET):
        await server.send("session_request", sid, {})
    assert closed == []
    await server.send("session_request", sid, {})
    assert closed == [sid]
    tickets = [room for event, _, room in server.emitted if event == "session_ticket"]
    assert len(tickets) == MAX_CONVERSATIONS_PER_SOCKET


def test_the_client_address_comes_from_the_proxy_header_only_when_configured() -> None:
    environ = _environ("10.0.0.5", HTTP_X_REAL_IP="203.0.113.7")
    assert client_address(environ, header="") == "10.0.0.5"
    assert client_address(environ, header="X-Real-IP") == "203.0.113.7"
    assert client_address(_environ("10.0.0.5"), header="X-Real-IP") == "10.0.0.5"
    forwarded = _environ("10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert client_address(forwarded, header="X-Forwarded-For") == "203.0.113.7"


def test_the_limit_is_off_at_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(message_limits, "MAX_MESSAGES_PER_ADDRESS", 0)
    dead = redis.Redis(port=1, socket_connect_timeout=0.2)
    assert not any(message_limits.address_too_fast("203.0.113.7", dead) for _ in range(100))
