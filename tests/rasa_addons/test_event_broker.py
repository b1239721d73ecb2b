"""Tracker events reach the Redis stream; a Redis that is down costs nothing but the events (Rasa env)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config
from redis import Redis

from rasa_addons.event_broker import RedisStreamEventBroker, StreamBrokerSettings, log_message_and_publish

REDIS_URL = "redis://127.0.0.1:6379/9"  # this suite's database; flushed before and after each test
ENDPOINTS = Path(__file__).resolve().parents[2] / "bot" / "endpoints.yml"
BROKER = "rasa_addons.event_broker"


@pytest.fixture(autouse=True)
def _stock_processor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Creating the broker patches MessageProcessor.log_message; each test starts from Rasa's."""
    monkeypatch.setattr(MessageProcessor, "log_message", MessageProcessor.log_message)


@pytest.fixture
def redis() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _free_port() -> int:
    with socket.socket() as probe:  # nothing listens on it once the probe is closed
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _broker(**settings: object) -> RedisStreamEventBroker:
    return RedisStreamEventBroker(StreamBrokerSettings(**{"host": "127.0.0.1", "db": 9, **settings}))


def _entries(redis: Redis) -> list[dict[str, str]]:
    return [fields for _, fields in redis.xrange("cs:events")]


async def test_rasa_builds_the_broker_from_bot_endpoints_yml(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "9", "REDIS_PASSWORD": "",
           "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook", "ACTION_SERVER_TOKEN": "t"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    broker = await EventBroker.create(read_endpoint_config(str(ENDPOINTS), "event_broker"))
    assert isinstance(broker, RedisStreamEventBroker)
    assert broker.settings.db == 9 and broker.settings.password is None
    assert broker.settings.stream == "cs:events" and broker.settings.max_len == 500_000
    await broker.close()


async def test_every_tracker_event_reaches_the_stream_in_order(redis: Redis) -> None:
    broker = _broker()
    store = InMemoryTrackerStore(Domain.empty(), event_broker=broker)
    tracker = DialogueStateTracker.from_events(
        "c-1",
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            UserUttered("hi", {"name": "greet", "confidence": 1.0}),
            BotUttered("Hi, I'm Sam", metadata={"agent": {"name": "Sam"}}),
            ConversationPaused(),
            ConversationResumed(),
        ],
    )
    await store.save(tracker)
    await broker.close()  # writes what is queued

    entries = _entries(redis)
    assert [e["type"] for e in entries] == ["action", "session_started", "user", "bot", "pause", "resume"]
    assert {e["sender_id"] for e in entries} == {"c-1"}
    bot = json.loads(entries[3]["event"])
    assert bot["sender_id"] == "c-1" and bot["text"] == "Hi, I'm Sam"
    assert bot["metadata"] == {"agent": {"name": "Sam"}} and isinstance(bot["timestamp"], float)


async def test_events_are_written_while_rasa_runs_not_only_on_close(redis: Redis) -> None:
    broker = _broker()
    broker.publish({"sender_id": "c-2", "event": "user", "text": "hello", "timestamp": 1.0})
    for _ in range(50):
        if redis.xlen("cs:events"):
            break
        await asyncio.sleep(0.02)
    assert _entries(redis) == [{"sender_id": "c-2", "type": "user",
                                "event": json.dumps({"sender_id": "c-2", "event": "user", "text": "hello",
                                                     "timestamp": 1.0})}]  # fmt: skip
    await broker.close()


async def test_the_stream_is_trimmed(redis: Redis) -> None:
    broker = _broker(max_len=10)
    for n in range(1000):
        broker.publish({"sender_id": f"c-{n}", "event": "user", "text": str(n)})
    await broker.close()
    # Approximate trimming drops whole stream nodes (100 entries by default).
    assert 10 <= redis.xlen("cs:events") <= 200


async def test_a_redis_that_is_down_drops_events_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    broker = _broker(port=_free_port())
    with caplog.at_level(logging.ERROR, logger=BROKER):
        for n in range(30):
            broker.publish({"sender_id": "c-3", "event": "user", "text": str(n)})
            await asyncio.sleep(0)  # let the writer try between publishes
        await broker.close()
    assert not broker.is_ready()
    failures = [r for r in caplog.records if r.name == BROKER]
    assert len(failures) == 1 and "cannot write to Redis stream cs:events" in failures[0].getMessage()


async def test_an_event_that_is_not_json_is_logged_and_skipped(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    broker = _broker()
    with caplog.at_level(logging.ERROR, logger=BROKER):
        broker.publish({"sender_id": "c-4", "event": "slot", "value": {1, 2}})
        broker.publish({"sender_id": "c-4", "event": "slot", "value": [1, 2]})
        await broker.close()
    assert [json.loads(e["event"])["value"] for e in _entries(redis)] == [[1, 2]]
    assert any("is not JSON" in r.getMessage() for r in caplog.records)


def test_publishing_outside_an_event_loop_does_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    broker = _broker()
    with caplog.at_level(logging.ERROR, logger=BROKER):
        broker.publish({"sender_id": "c-5", "event": "user", "text": "hi"})
    assert "outside an event loop" in caplog.text


def test_settings_from_an_endpoint_config_with_environment_strings() -> None:
    config = EndpointConfig.from_dict({"type": BROKER, "url": "redis.internal", "port": "6380", "db": "3",
                                       "password": "s3cret", "key_prefix": "shop"})  # fmt: skip
    settings = StreamBrokerSettings.from_endpoint(config)
    assert (settings.host, settings.port, settings.db, settings.stream) == (
        "redis.internal",
        6380,
        3,
        "shop:events",
    )
    assert settings.password is not None and settings.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


class Processor:
    """The parts of Rasa's MessageProcessor that ``log_message`` uses."""

    def __init__(self, store: InMemoryTrackerStore) -> None:
        self.tracker_store = store

    async def fetch_tracker_and_update_session(self, sender_id: str, output_channel: object,
                                               metadata: object) -> DialogueStateTracker:  # fmt: skip
        return await self.tracker_store.get_or_create_tracker(sender_id, append_action_listen=False)

    async def _handle_message_with_tracker(self, message: UserMessage, tracker: DialogueStateTracker) -> None:
        tracker.update(UserUttered(message.text, {"name": "greet", "confidence": 1.0}))

    async def save_tracker(self, tracker: DialogueStateTracker) -> None:
        await self.tracker_store.save(tracker)


async def _wait_for_entries(redis: Redis, count: int) -> list[dict[str, str]]:
    for _ in range(100):
        if redis.xlen("cs:events") >= count:
            break
        await asyncio.sleep(0.02)
    return _entries(redis)


async def test_a_customer_message_is_published_when_read_and_not_again_at_the_save(redis: Redis) -> None:
    broker = _broker()
    store = InMemoryTrackerStore(Domain.empty(), event_broker=broker)
    earlier = DialogueStateTracker.from_events(
        "c-6", [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    )
    await store.save(earlier)
    processor = Processor(store)

    tracker = await log_message_and_publish(
        processor, UserMessage("hi", sender_id="c-6"), should_save_tracker=False
    )
    # The turn is not over (nothing saved), yet the message is in the stream.
    assert [e["type"] for e in await _wait_for_entries(redis, 4)] == [
        "action",
        "session_started",
        "action",
        "user",
    ]

    tracker.update(BotUttered("Hello!"))
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    await broker.close()
    assert [e["type"] for e in _entries(redis)] == [
        "action",
        "session_started",
        "action",
        "user",
        "bot",
        "action",
    ]


async def test_a_saved_message_is_not_published_twice(redis: Redis) -> None:
    broker = _broker()
    processor = Processor(InMemoryTrackerStore(Domain.empty(), event_broker=broker))
    await log_message_and_publish(processor, UserMessage("hi", sender_id="c-7"), should_save_tracker=True)
    await broker.close()
    assert [e["type"] for e in _entries(redis)] == ["user"]


async def test_rasa_reads_messages_through_the_publishing_drop_in() -> None:
    config = EndpointConfig.from_dict({"type": BROKER, "url": "127.0.0.1", "db": "9"})
    broker = await RedisStreamEventBroker.from_endpoint_config(config)
    assert MessageProcessor.log_message is log_message_and_publish
    assert broker is not None
    await broker.close()


def test_rasa_sends_the_action_servers_secret_with_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "9", "REDIS_PASSWORD": "",
           "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook", "ACTION_SERVER_TOKEN": "s3cret"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    endpoint = read_endpoint_config(str(ENDPOINTS), "action_endpoint")
    assert endpoint is not None and endpoint.headers == {"Authorization": "Bearer s3cret"}
