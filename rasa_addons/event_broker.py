"""Every tracker event, as Rasa's event broker sees it, appended to a Redis stream.

``bot/endpoints.yml`` names this class (``event_broker: type:
rasa_addons.event_broker.RedisStreamEventBroker``); the live consoles read the
stream. Each entry has the fields ``sender_id``, ``type`` (the Rasa event name,
e.g. ``user``, ``bot``, ``pause``) and ``event`` (the whole event dict as JSON).

Rasa calls ``publish`` synchronously while it saves a tracker, so publishing
only queues the entry; one task per Rasa process writes the queue to Redis in
order, in pipelined batches. The console feed must never cost the customer a
reply: when Redis cannot be written the entries are dropped and the failure is
logged at most once a minute. Entries of one conversation written by different
Rasa workers are ordered by Redis' arrival; the ``timestamp`` in each event is
authoritative.

Rasa saves a tracker (and so publishes its events) only when the bot's turn is
over, seconds after the customer wrote when actions are slow. So that an agent
watching sees the message at once, the events a customer message adds (the
message, and a new session's start) are published as soon as Rasa has read it
(``MessageProcessor.log_message``, patched when this broker is created), and
skipped when the turn's save publishes them again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from asyncio import AbstractEventLoop
from collections import OrderedDict
from collections.abc import Iterable
from itertools import takewhile
from typing import Any

from pydantic import BaseModel, Field, SecretStr
from rasa.core.brokers.broker import EventBroker
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# As actions.keys.EVENTS_STREAM_MAXLEN (that package is not importable here). Approximate
# trimming (MAXLEN ~) keeps XADD cheap; the stream holds at least this many entries.
EVENTS_STREAM_MAXLEN = 500_000
# Entries waiting for Redis; beyond this they are dropped rather than held in memory.
QUEUE_SIZE = 10_000
BATCH_SIZE = 200
REDIS_TIMEOUT_S = 2.0
CLOSE_TIMEOUT_S = 5.0
FAILURE_LOG_INTERVAL_S = 60.0
# Events published ahead of their turn's save, remembered until the save: a turn
# whose save never comes (the worker died) must not grow this without bound.
AHEAD_MEMORY = 10_000

Entry = dict[str, str]


class StreamBrokerSettings(BaseModel):
    """The ``event_broker`` section of endpoints.yml (values may come as strings from ``${ENV}``)."""

    host: str = "localhost"
    port: int = 6379
    db: int = 0
    password: SecretStr | None = None
    key_prefix: str = Field(default="cs", min_length=1)
    max_len: int = Field(default=EVENTS_STREAM_MAXLEN, gt=0)

    @property
    def stream(self) -> str:
        """The stream's key: ``<prefix>:events`` (``Keys(prefix).events`` on the action-server side)."""
        return f"{self.key_prefix}:events"

    @classmethod
    def from_endpoint(cls, config: EndpointConfig) -> StreamBrokerSettings:
        """Settings from Rasa's endpoint config: ``url`` is the host, the rest are keyword arguments."""
        fields = {key: value for key, value in config.kwargs.items() if key in cls.__fields__ and value != ""}
        return cls(host=config.url or "localhost", **fields)


class RedisStreamEventBroker(EventBroker):
    """Appends Rasa's tracker events to the Redis stream ``<key_prefix>:events``."""

    def __init__(self, settings: StreamBrokerSettings) -> None:
        self.settings = settings
        # Connections are opened on first use, inside the Rasa worker's event loop.
        self._redis = Redis(
            host=settings.host,
            port=settings.port,
            db=settings.db,
            password=settings.password.get_secret_value() if settings.password else None,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        self._queue: asyncio.Queue[Entry] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._failing = False
        self._dropped = 0
        self._last_failure_log = -FAILURE_LOG_INTERVAL_S
        self._closed = False
        self._published_ahead: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> RedisStreamEventBroker | None:
        """The broker named in endpoints.yml; Redis need not be up yet."""
        if broker_config is None:
            return None
        settings = StreamBrokerSettings.from_endpoint(broker_config)
        install()
        logger.info(
            "event broker: writing tracker events to Redis stream %s (db %d)", settings.stream, settings.db
        )
        return cls(settings)

    def publish(self, event: dict[str, Any]) -> None:
        """Queue one event for the stream; never raises, never waits for Redis."""
        key = _identity(event)
        if key in self._published_ahead:  # published when Rasa read the customer's message
            del self._published_ahead[key]
            return
        self._queue_entry(event)

    def publish_ahead(self, sender_id: str, events: Iterable[Event]) -> None:
        """Publish events before the tracker holding them is saved; the save will not repeat them."""
        for event in events:
            body = {"sender_id": sender_id, **event.as_dict()}
            self._queue_entry(body)
            self._published_ahead[_identity(body)] = None
            while len(self._published_ahead) > AHEAD_MEMORY:
                self._published_ahead.popitem(last=False)

    def _queue_entry(self, event: dict[str, Any]) -> None:
        if self._closed:
            return
        try:
            entry = {
                "sender_id": str(event.get("sender_id") or ""),
                "type": str(event.get("event") or ""),
                "event": json.dumps(event),
            }
        except (TypeError, ValueError):
            logger.exception("event broker: event %r of sender_id=%s is not JSON", event.get("event"),
                             event.get("sender_id"))  # fmt: skip
            return
        try:
            self._running_queue().put_nowait(entry)
        except RuntimeError:  # no running event loop: nothing could ever write the entry
            self._drop(1, "publish called outside an event loop")
        except asyncio.QueueFull:
            self._drop(1, f"{QUEUE_SIZE} events already waiting for Redis")

    def is_ready(self) -> bool:
        """Whether the last write to Redis succeeded (``True`` before the first one)."""
        return not self._closed and not self._failing

    async def close(self) -> None:
        """Write what is queued (for a few seconds at most), then close the connections."""
        self._closed = True
        if self._queue is not None and self._writer is not None and not self._writer.done():
            try:
                await asyncio.wait_for(self._queue.join(), CLOSE_TIMEOUT_S)
            except TimeoutError:
                self._drop(self._queue.qsize(), "Rasa is shutting down")
            self._writer.cancel()
        await self._redis.close()

    def _running_queue(self) -> asyncio.Queue[Entry]:
        # The writer lives in the event loop of the Rasa worker that publishes.
        loop = asyncio.get_running_loop()
        if self._queue is None or self._writer is None or self._writer.done():
            self._queue = asyncio.Queue(QUEUE_SIZE)
            self._writer = loop.create_task(self._write_forever(self._queue))
        return self._queue

    async def _write_forever(self, queue: asyncio.Queue[Entry]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < BATCH_SIZE and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                await self._write(batch)
            finally:
                for _ in batch:
                    queue.task_done()

    async def _write(self, batch: list[Entry]) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for entry in batch:
                    pipe.xadd(self.settings.stream, entry, maxlen=self.settings.max_len, approximate=True)
                await pipe.execute()
        except (RedisError, OSError) as error:
            self._failing = True
            self._drop(len(batch), f"{type(error).__name__}: {error}")
            return
        if self._failing:
            logger.warning("event broker: writing to %s again (%d events were dropped)", self.settings.stream,
                           self._dropped)  # fmt: skip
            self._failing, self._dropped = False, 0

    def _drop(self, count: int, reason: str) -> None:
        self._dropped += count
        now = time.monotonic()
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL_S:
            self._last_failure_log = now
            logger.error("event broker: cannot write to Redis stream %s (%s); %d events dropped so far",
                         self.settings.stream, reason, self._dropped)  # fmt: skip


def _identity(event: dict[str, Any]) -> tuple[str, str, str]:
    return (str(event.get("sender_id")), str(event.get("event")), repr(event.get("timestamp")))


_stock_log_message = MessageProcessor.log_message


async def log_message_and_publish(
    self: MessageProcessor, message: UserMessage, should_save_tracker: bool = True
) -> DialogueStateTracker:
    """Drop-in for ``MessageProcessor.log_message``: the events it adds are published at once."""
    read_at = time.time()
    tracker = await _stock_log_message(self, message, should_save_tracker)
    broker = self.tracker_store.event_broker
    if not should_save_tracker and isinstance(broker, RedisStreamEventBroker):
        # The events this call added are the newest ones, created after read_at.
        added = list(takewhile(lambda e: e.timestamp >= read_at, reversed(tracker.events)))
        broker.publish_ahead(tracker.sender_id, reversed(added))
    return tracker


def install() -> None:
    """Make Rasa publish a customer's message when it reads it (a no-op for other brokers)."""
    MessageProcessor.log_message = log_message_and_publish
