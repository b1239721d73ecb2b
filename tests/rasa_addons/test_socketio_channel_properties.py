"""Property tests of the socket.io channel's conversation guard (rasa_addons/socketio_channel.py).

Whatever JSON a socket sends as ``session_request`` or ``user_uttered``, the handlers never
raise; a socket joins a conversation's room only with the ticket issued for it (otherwise a
new conversation with its own ticket); and only its confirmed conversation's well-formed
messages (text a string, metadata an object) reach Rasa. Rasa's own handlers run, with the
server's emits and room joins recorded instead of sent.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage

from rasa_addons import message_limits
from rasa_addons.conversation_ids import ConversationTickets
from rasa_addons.socketio_channel import TICKET_EVENT, SocketIOChannel

PROPERTIES = settings(
    max_examples=80,
    deadline=timedelta(seconds=2),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TIME_LIMIT_S = 1.0
SECRET = "property-test-secret-" + "s" * 16
NOW = 1_800_000_000.0
METADATA_KEY = "customData"
SETTINGS = {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered", "session_persistence": True,
            "metadata_key": METADATA_KEY}  # fmt: skip
NEW_ID = re.compile(r"[0-9a-f]{32}")
TICKETS = ConversationTickets(SECRET, clock=lambda: NOW)
# Two conversations the server issued earlier: a socket may present either, rightly or not.
OWNED = [TICKETS.new_conversation() for _ in range(2)]


@pytest.fixture(autouse=True, scope="module")
def _no_address_limit() -> Iterator[None]:
    """These properties are about the guard; the per-address count is tested in test_socketio_limits.py."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(message_limits, "MAX_MESSAGES_PER_ADDRESS", 0)
        yield


@dataclass
class Server:
    """One channel's socket.io server with Rasa's and our handlers, recording instead of sending."""

    channel: SocketIOChannel
    rooms: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    emitted: list[tuple[str, Any, str]] = field(default_factory=list)
    reached_rasa: list[UserMessage] = field(default_factory=list)

    @classmethod
    def start(cls) -> Server:
        server = cls(SocketIOChannel.from_credentials(SETTINGS))
        server.channel.tickets = TICKETS

        async def on_new_message(message: UserMessage) -> None:
            server.reached_rasa.append(message)

        server.channel.blueprint(on_new_message)
        sio: Any = server.channel.sio

        def enter_room(sid: str, room: str, namespace: str | None = None) -> None:
            server.rooms[sid].append(room)

        async def emit(event: str, data: Any = None, to: Any = None, room: Any = None, **_: Any) -> None:
            server.emitted.append((event, data, room or to))

        sio.enter_room, sio.emit = enter_room, emit
        return server

    async def send(self, event: str, sid: str, *data: Any) -> None:
        handler = self.channel.sio.handlers["/"][event]  # type: ignore[union-attr]
        started = time.perf_counter()
        await handler(sid, *data)
        assert time.perf_counter() - started < TIME_LIMIT_S


# --- what sockets send -----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
owned_ids = st.sampled_from([conversation_id for conversation_id, _ in OWNED])
owned_tickets = st.sampled_from([ticket for _, ticket in OWNED])
forged_tickets = owned_tickets.map(lambda ticket: ticket[:-1] + ("0" if ticket[-1] != "0" else "1"))
session_ids = owned_ids | st.text(max_size=40) | json_values | st.sampled_from(["", "\ud800", "a" * 100_000])
tickets = (
    owned_tickets | forged_tickets | st.text(max_size=40) | json_values | st.sampled_from(["².0", "1.\udcff"])
)


@st.composite
def session_requests(draw: st.DrawFn) -> Any:
    """Anything, or a request presenting an id and a ticket: its own, another's, forged or made up."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    request = draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2))
    if draw(st.booleans()):  # the owner, presenting its id with its ticket
        request["session_id"], request["ticket"] = OWNED[draw(st.integers(0, 1))]
        return request
    if draw(st.booleans()):
        request["session_id"] = draw(session_ids)
    if draw(st.booleans()):
        request["ticket"] = draw(tickets)
    return request


def metadata_values() -> st.SearchStrategy[Any]:
    objects = st.dictionaries(st.text(max_size=8), json_values, max_size=3)
    return (
        objects | objects.map(json.dumps) | json_values | json_values.map(json.dumps) | st.text(max_size=20)
    )


@st.composite
def messages(draw: st.DrawFn, confirmed: str) -> Any:
    """Anything, or a message for the confirmed conversation or another, with any text and metadata."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    message: dict[str, Any] = {"session_id": draw(st.just(confirmed) | session_ids)}
    if draw(st.integers(0, 3)):
        message["message"] = draw(st.text(max_size=50) | json_values)
    if draw(st.booleans()):
        message[METADATA_KEY] = draw(metadata_values())
    return message


def presents_its_ticket(request: Any) -> bool:
    return isinstance(request, dict) and (request.get("session_id"), request.get("ticket")) in OWNED


def well_formed(message: Any, confirmed: str) -> bool:
    """For the confirmed conversation, text a string, metadata an object (or a JSON string of one)."""
    if not isinstance(message, dict) or message.get("session_id") != confirmed:
        return False
    metadata = message.get(METADATA_KEY)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return False
    return isinstance(message.get("message", ""), str) and (metadata is None or isinstance(metadata, dict))


# --- properties ----------------------------------------------------------------------------------------


@PROPERTIES
@given(request=session_requests())
@example(request={"session_id": "\ud800", "ticket": "1.0"}).via("a lone surrogate, as JSON's \\ud800 decodes")
@example(request={"session_id": OWNED[0][0], "ticket": "².0"}).via("a digit int() cannot read")
def test_a_socket_joins_a_conversation_only_with_its_ticket(request: Any) -> None:
    server = Server.start()
    asyncio.run(server.send("session_request", "sid-1", request))
    [room] = server.rooms["sid-1"]
    if presents_its_ticket(request):
        assert room == request["session_id"]
    else:
        assert NEW_ID.fullmatch(room) and room not in [conversation_id for conversation_id, _ in OWNED]
        assert not isinstance(request, dict) or room != request.get("session_id")
    # The socket learns the ticket for the room it joined, then the confirmation.
    [(ticket_event, issued, to), (confirm_event, confirmed, confirm_to)] = server.emitted
    assert (ticket_event, to) == (TICKET_EVENT, "sid-1")
    assert (confirm_event, confirmed, confirm_to) == ("session_confirm", room, "sid-1")
    assert issued["session_id"] == room and TICKETS.verify(room, issued["ticket"])


@PROPERTIES
@given(data=st.data(), request=session_requests())
@example(data=None, request={}).via("Rasa's handler on malformed messages for the confirmed conversation")
def test_only_the_confirmed_conversations_well_formed_messages_reach_rasa(data: Any, request: Any) -> None:
    server = Server.start()

    async def conversation() -> list[Any]:
        await server.send("session_request", "sid-1", request)
        await server.send("session_request", "sid-2", {"session_id": OWNED[1][0], "ticket": OWNED[1][1]})
        confirmed = server.rooms["sid-1"][0]
        sent = (
            [{"session_id": confirmed, METADATA_KEY: "{not json"}, {"session_id": confirmed, "message": 42},
             {"session_id": confirmed, METADATA_KEY: "[1]"}, {"session_id": confirmed, "message": "hi"}]
            if data is None else data.draw(st.lists(messages(confirmed), max_size=6))
        )  # fmt: skip
        for message in sent:
            await server.send("user_uttered", "sid-1", message)
        await server.send("disconnect", "sid-1")
        await server.send("user_uttered", "sid-1", {"session_id": confirmed, "message": "after disconnect"})
        return [message for message in sent if well_formed(message, confirmed)]

    expected = asyncio.run(conversation())
    confirmed = server.rooms["sid-1"][0]
    # Rasa's UserMessage strips the text.
    assert [(m.sender_id, m.text) for m in server.reached_rasa] == [
        (confirmed, message.get("message", "").strip()) for message in expected
    ]
    assert all(m.metadata is None or isinstance(m.metadata, dict) for m in server.reached_rasa)
