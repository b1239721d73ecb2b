"""Rasa's socket.io channel, shared by every Rasa worker and able to say who wrote a message.

``bot/credentials.yml`` names ``rasa_addons.socketio_channel.SocketIOChannel``; it
keeps Rasa's settings and the channel name ``socketio`` (actions check it) and adds:

- **Emits through Redis.** With ``SANIC_WORKERS=2`` a widget's socket lives in one
  worker process, while the HTTP API request that appends an agent's message (or
  the next customer turn) may be handled by the other. python-socketio's Redis
  client manager publishes every emit on a Redis pub/sub channel and each worker
  delivers it to the sockets it holds. Rooms stay per process, so Rasa's
  non-awaited ``enter_room`` keeps working (python-socketio < 5.10, see
  web/README.md). Without ``redis_host`` the channel keeps Rasa's in-process manager.
- **Who wrote it.** A ``BotUttered`` appended with ``metadata: {"agent": {...},
  "handoff": "joined"}`` reaches ``send_response`` with those keys merged into the
  message (Rasa merges an utterance's metadata); they are copied into the emitted
  ``bot_uttered`` payload, e.g. ``{"text": "Hi", "agent": {"name": "Sam"}}``.
- **Custom payloads as the widget expects them.** Rasa's socket.io output passes a
  custom payload's keys to ``emit()`` as keyword arguments, so only
  ``{"data": ...}`` works and ``{"type": "carousel", ...}`` raises ``TypeError``;
  a payload that is not in that form is emitted as the message itself.
- **Conversations belong to their customer** (with ``session_persistence``). The server
  issues the conversation id (``rasa_addons.conversation_ids``): a ``session_request``
  must present ``{"session_id": ..., "ticket": ...}`` with the ticket issued for that id;
  otherwise (no id, no ticket, a forged, expired or another conversation's ticket) the
  socket gets a new conversation instead and never joins the requested one's room. Before
  ``session_confirm <id>`` the server emits ``session_ticket {"session_id", "ticket"}``
  (a fresh ticket, so a conversation in use does not expire). A ``user_uttered`` whose
  ``session_id`` is not the one confirmed to that socket is dropped, unless the socket has
  no conversation yet and the message carries that conversation's ticket (a message the
  client sent before its ``session_request`` was handled); so is one Rasa would fail on:
  text that is not a string, metadata that is not an object (``readable_message``).

- **Limits per client address and per socket.** Messages are counted per client address
  across its sockets and conversations (``message_limits.address_too_fast``); over the
  limit the socket gets the "slow down" text and the message is not read. A socket asking
  for more than ``MAX_CONVERSATIONS_PER_SOCKET`` conversations is closed.
- **Over-long messages answered.** Frames up to ``MAX_FRAME_BYTES`` are read, so a
  megabyte-long message gets the "too long" reply rather than a silently closed socket.

Everything else is Rasa's ``SocketIOInput``/``SocketIOOutput`` unchanged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from redis.exceptions import RedisError
from sanic import Blueprint
from socketio import AsyncRedisManager

from rasa_addons import message_limits, metrics
from rasa_addons.conversation_ids import ConversationTickets

logger = logging.getLogger(__name__)

# Keys of a bot message (from BotUttered.metadata) that the widget reads.
PASSED_THROUGH = ("agent", "handoff")
# What Rasa's send_custom_json can pass to AsyncServer.emit() as keyword arguments.
EMIT_KEYWORDS = frozenset({"data", "to", "room", "skip_sid", "namespace", "callback", "ignore_queue"})
# Emitted before session_confirm: the conversation id the socket joined, and its ticket.
TICKET_EVENT = "session_ticket"
REDIS_CONNECT_TIMEOUT_S = 2.0
# Largest frame read, as Sanic's own websocket limit (2**20). engine.io's default (10**6)
# would drop a megabyte-long message with its socket, unanswered; read, it gets the
# polite "too long" reply of rasa_addons/message_limits.py at once. Larger frames close the socket.
MAX_FRAME_BYTES = 2**20
# A widget asks once per socket (a reload or reconnect is a new socket); more is a script
# minting conversations to reset their message counts. The socket is closed.
MAX_CONVERSATIONS_PER_SOCKET = 5
# Behind the public proxy every socket comes from the proxy; set CLIENT_ADDRESS_HEADER=X-Real-IP
# there (deploy/nginx-public.conf sets it). Never set it without a proxy that overwrites it.
CLIENT_ADDRESS_HEADER = os.environ.get("CLIENT_ADDRESS_HEADER", "")


def client_address(environ: Mapping[str, Any], header: str = CLIENT_ADDRESS_HEADER) -> str:
    """The address a socket came from: the proxy's header if configured, else the peer's address."""
    if header:
        value = environ.get("HTTP_" + header.upper().replace("-", "_"))
        if isinstance(value, str) and value.strip():
            return value.split(",")[-1].strip()
    request = environ.get("sanic.request")
    return str(getattr(request, "ip", "") or environ.get("REMOTE_ADDR") or "unknown")


SUBSCRIBE_RETRY_MAX_S = 60.0

# The pass-through keys of the message being sent; set for the duration of one send_response.
_message_extras: ContextVar[Mapping[str, Any]] = ContextVar(
    "socketio_message_extras", default=MappingProxyType({})
)


class AgentAwareSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with ``agent``/``handoff`` copied into each emitted message."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send a bot message as Rasa does, tagging every part with the pass-through keys."""
        extras = {key: message[key] for key in PASSED_THROUGH if message.get(key) is not None}
        # A contextvar, because Rasa's send_* methods drop unknown keyword arguments
        # before they reach _send_message.
        token = _message_extras.set(MappingProxyType(extras))
        try:
            await super().send_response(recipient_id, message)
        finally:
            _message_extras.reset(token)

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await super()._send_message(socket_id, {**response, **_message_extras.get()})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Emit a custom payload; Rasa's ``{"data": ...}`` form still works as in Rasa."""
        if set(json_message) <= EMIT_KEYWORDS:
            await super().send_custom_json(recipient_id, json_message, **kwargs)
        else:
            await self._send_message(recipient_id, json_message)


class RedisPubSubSettings(BaseModel):
    """Where the workers share their emits (``redis_*`` keys of the channel's credentials)."""

    host: str = Field(min_length=1)
    port: int = 6379
    db: int = 0
    password: SecretStr | None = None
    channel: str | None = Field(default=None, min_length=1)

    @property
    def pubsub_channel(self) -> str:
        """The pub/sub channel; Redis pub/sub ignores the db number, so the default names it."""
        return self.channel or f"cs:socketio:{self.db}"

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any]) -> RedisPubSubSettings | None:
        """The settings from the credentials; none if no host.

        The credentials read are ``redis_host``, ``redis_port``, ``redis_db``, ``redis_password`` and
        ``redis_channel``.
        """
        fields = {name: credentials.get(f"redis_{name}") for name in cls.__fields__}
        fields = {name: value for name, value in fields.items() if value not in (None, "")}
        return cls.parse_obj(fields) if "host" in fields else None

    def manager(self) -> JsonRedisManager:
        """A client manager for one Rasa worker's socket.io server; it connects on first use."""
        options: dict[str, Any] = {
            "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
            "socket_keepalive": True,
        }
        if self.password is not None:
            options["password"] = self.password.get_secret_value()
        url = f"redis://{self.host}:{self.port}/{self.db}"
        return JsonRedisManager(url, channel=self.pubsub_channel, redis_options=options)


class JsonRedisManager(AsyncRedisManager):
    """python-socketio's Redis manager with JSON messages and a patient subscriber.

    - JSON, not pickle, on the channel (project rule; a pickle read from Redis runs code).
      Rasa emits only JSON data, never tuples of arguments.
    - If Redis refuses a publish, the message still reaches the sockets of this process.
    - python-socketio 5.9 subscribes outside its retry loop: a Redis that is down
      when the first socket connects would make the listener task spin; here the
      subscription is retried with a back-off.
    """

    async def _publish(self, data: dict[str, Any]) -> None:
        try:
            await self.redis.publish(self.channel, json.dumps(data))
        except RedisError as error:
            logger.error(
                "socket.io: cannot publish %s on Redis channel %s (%s); delivering to this process only",
                data.get("method"),
                self.channel,
                error,
            )
            if data.get("method") == "emit":
                await self._handle_emit(data)

    async def _listen(self) -> AsyncIterator[dict[str, Any]]:
        delay = 1.0
        while True:
            try:
                await self.pubsub.subscribe(self.channel)
                break
            except RedisError as error:
                logger.error("socket.io: cannot subscribe to Redis channel %s (%s); retrying in %.0f s",
                             self.channel, error, delay)  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, SUBSCRIBE_RETRY_MAX_S)
                self._redis_connect()
        async for raw in super()._listen():
            try:
                message = json.loads(raw)
            except ValueError:
                logger.warning(
                    "socket.io: ignored a message that is not JSON on Redis channel %s", self.channel
                )
                continue
            if isinstance(message, dict):
                yield message


def readable_message(data: dict[str, Any], metadata_key: str) -> dict[str, Any] | None:
    """``data`` with its metadata parsed, or None if Rasa's handler or Rasa would fail on it.

    Rasa 3.6's ``handle_message`` passes ``message`` on as the text whatever its type, and
    reads a string ``metadata_key`` with ``json.loads``, which raises on anything but JSON;
    the processor then needs text and a dict.
    """
    text, metadata = data.get("message", ""), data.get(metadata_key)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except (ValueError, RecursionError):
            return None
    if not isinstance(text, str) or not (metadata is None or isinstance(metadata, dict)):
        return None
    return {**data, metadata_key: metadata} if metadata_key in data else data


class SocketIOChannel(SocketIOInput):
    """Rasa's ``SocketIOInput`` (name ``socketio``) with the additions in the module docstring."""

    redis: RedisPubSubSettings | None = None
    # Default: from CONVERSATION_SECRET when the blueprint is built; tests set their own.
    tickets: ConversationTickets | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SocketIOChannel:
        """Rasa's settings plus the optional ``redis_*`` ones."""
        channel = super().from_credentials(credentials)
        assert isinstance(channel, cls)
        channel.redis = RedisPubSubSettings.from_credentials(credentials or {})
        return channel

    def get_output_channel(self) -> OutputChannel | None:
        """The output for the HTTP API (``output_channel=socketio``) and for replies."""
        if self.sio is None:
            return super().get_output_channel()
        return AgentAwareSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, its server on the Redis manager, its replies through our output."""

        async def handle(message: UserMessage) -> Any:
            # Rasa's handler built a stock SocketIOOutput for this message.
            message.output_channel = self.get_output_channel()
            return await on_new_message(message)

        blueprint = super().blueprint(handle)
        if self.sio is not None:
            self.sio.eio.max_http_buffer_size = MAX_FRAME_BYTES
        if self.redis is not None and self.sio is not None:
            # Rasa creates its AsyncServer inline; the manager is swapped before any
            # socket connects (the server initialises its manager on the first one).
            manager = self.redis.manager()
            self.sio.manager = manager
            manager.set_server(self.sio)
            logger.info(
                "socket.io: emits shared between workers on Redis channel %s", self.redis.pubsub_channel
            )
        if self.session_persistence and self.sio is not None:
            self._guard_conversations()
        return blueprint

    def _guard_conversations(self) -> None:
        """Wrap Rasa's session_request, message and disconnect handlers with the ticket checks."""
        assert self.sio is not None
        sio = self.sio
        tickets = self.tickets = self.tickets or ConversationTickets.from_environment()
        handlers = sio.handlers[self.namespace or "/"]
        rasa_session_request = handlers["session_request"]
        rasa_message = handlers[self.user_message_evt]
        rasa_disconnect = handlers["disconnect"]
        rasa_connect = handlers["connect"]
        # The conversation confirmed to each socket of this process (a socket lives in one worker),
        # how many it asked for, and the address it came from.
        confirmed: dict[str, str] = {}
        requests: dict[str, int] = {}
        addresses: dict[str, str] = {}

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
            addresses[sid] = client_address(environ)
            return await rasa_connect(sid, environ, auth)

        async def within_request_limit(sid: str) -> bool:
            """Count one more conversation asked for by ``sid``; over the limit the socket is closed."""
            requests[sid] = requests.get(sid, 0) + 1
            if requests[sid] <= MAX_CONVERSATIONS_PER_SOCKET:
                return True
            logger.warning("socket.io: socket %s asked for %d conversations; closed", sid, requests[sid])
            await sio.disconnect(sid, namespace=self.namespace)
            return False

        async def session_request(sid: str, data: Any) -> None:
            if not await within_request_limit(sid):
                return
            data = data if isinstance(data, dict) else {}
            session_id, ticket = data.get("session_id"), data.get("ticket")
            if tickets.verify(session_id, ticket):
                assert isinstance(session_id, str)
                ticket = tickets.issue(session_id)
            else:
                # A new widget sends an id of its own and no ticket; a ticket that fails is worth a warning.
                log = logger.warning if ticket else logger.debug
                log("socket.io: socket %s presented conversation id %r without a valid ticket; it gets "
                    "a new conversation", sid, session_id)  # fmt: skip
                session_id, ticket = tickets.new_conversation()
            confirmed[sid] = session_id
            await sio.emit(TICKET_EVENT, {"session_id": session_id, "ticket": ticket}, room=sid)
            await rasa_session_request(sid, {**data, "session_id": session_id, "ticket": None})

        async def joined_by_ticket(sid: str, session_id: Any, ticket: Any) -> bool:
            """Confirm ``session_id`` to a socket that has none yet, if the message carries its ticket.

            A message can reach a new socket before the conversation is confirmed to it, e.g. one
            that socket.io's client buffered while reconnecting: it flushes its buffer before the
            "connect" handlers send session_request. The ticket proves the conversation exactly
            as a session_request would, so the message is read rather than lost.
            """
            if sid in confirmed or not tickets.verify(session_id, ticket):
                return False
            if not await within_request_limit(sid):
                return False
            sio.enter_room(sid, session_id, namespace=self.namespace)
            confirmed[sid] = session_id
            logger.info("socket.io: socket %s joined conversation %s by its message ticket", sid, session_id)
            return True

        async def handle_message(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if session_id is None or session_id != confirmed.get(sid):
                if not await joined_by_ticket(sid, session_id, data.get("ticket")):
                    logger.warning("socket.io: dropped a message of socket %s for conversation %r, which is "
                                   "not confirmed to it (it has %s; ticket %s)", sid, session_id,
                                   "another" if sid in confirmed else "none",
                                   "present" if data.get("ticket") else "absent")  # fmt: skip
                    metrics.message_refused("unconfirmed")
                    return
            readable = readable_message(data, self.metadata_key)
            if readable is None:
                logger.warning("socket.io: dropped a message of socket %s: its text is not a string or "
                               "its %s not an object", sid, self.metadata_key)  # fmt: skip
                metrics.message_refused("unreadable")
                return
            if message_limits.address_too_fast(addresses.get(sid, "unknown")):
                logger.info("socket.io: message of socket %s not read: over the limit of its address", sid)
                metrics.message_refused("address_too_fast")
                await sio.emit(self.bot_message_evt, {"text": message_limits.SLOW_DOWN_TEXT}, room=sid)
                return
            await rasa_message(sid, readable)

        async def disconnect(sid: str) -> None:
            confirmed.pop(sid, None)
            requests.pop(sid, None)
            addresses.pop(sid, None)
            await rasa_disconnect(sid)

        sio.on("connect", connect, namespace=self.namespace)
        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        sio.on("disconnect", disconnect, namespace=self.namespace)
