"""Property tests of the message limits (rasa_addons/message_limits.py): any text, any metadata, any sender.

An over-long message is answered with the domain's reply and never reaches the NLU; any
other reaches it exactly once, unchanged. The rate counter never raises, whatever the
conversation id, and counts each conversation apart. Every example runs in bounded time.
The counter runs against a real Redis: ``TEST_REDIS_URL`` (its database is flushed before
and after), by default the tests' database 15.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
import redis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain

from rasa_addons import message_limits

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TIME_LIMIT_S = 1.0
PROPERTIES = settings(
    max_examples=60,
    deadline=timedelta(seconds=2),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOO_LONG_REPLY = "Too long, please shorten it."
DOMAIN = Domain.from_yaml(f"""
version: "3.1"
responses:
  utter_message_too_long: [{{text: "{TOO_LONG_REPLY}"}}]
""")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=15,
)
# Up to 1,000,000 characters, built by repetition so hypothesis need not draw every one.
long_texts = st.builds(
    lambda unit, times: unit * times, st.text(min_size=1, max_size=4), st.integers(1, 250_000)
)
texts = st.none() | st.text() | long_texts | st.integers(1, 3).map(lambda extra: "a" * (2000 - 2 + extra))
sender_ids = st.text(max_size=100) | st.text(min_size=1, max_size=2).map(lambda unit: unit * 5_000)


def handled(text: str | None, metadata: Any, sender_id: str) -> tuple[list[dict[str, Any]] | None, list[Any]]:
    """What the limits reply, and the messages that reached Rasa's own handling (no rate limit)."""
    reached: list[Any] = []

    async def stock(_processor: Any, message: UserMessage) -> list[dict[str, Any]]:
        reached.append(message)
        return [{"recipient_id": message.sender_id, "text": "parsed"}]

    processor: Any = SimpleNamespace(domain=DOMAIN)
    message = UserMessage(text, CollectingOutputChannel(), sender_id=sender_id, metadata=metadata)
    with (
        mock.patch.object(message_limits, "too_fast", lambda _sender: False),
        mock.patch.object(message_limits, "_stock_handle_message", stock),
    ):
        started = time.perf_counter()
        replies = asyncio.run(message_limits.handle_message_within_limits(processor, message))
        assert time.perf_counter() - started < TIME_LIMIT_S
    return replies, reached


@PROPERTIES
@given(text=texts, metadata=json_values, sender_id=sender_ids)
@example(text="é" * 2001, metadata=None, sender_id="c1").via("the limit counts characters, not bytes")
def test_a_too_long_message_is_answered_without_the_nlu_and_any_other_reaches_it_once(
    text: str | None, metadata: Any, sender_id: str
) -> None:
    replies, reached = handled(text, metadata, sender_id)
    if text is not None and len(text) > message_limits.MAX_MESSAGE_CHARS:
        assert replies == [{"recipient_id": sender_id, "text": TOO_LONG_REPLY}]
        assert reached == []
    else:
        assert replies == [{"recipient_id": sender_id, "text": "parsed"}]
        assert [(m.text, m.metadata) for m in reached] == [(text, metadata)]


@pytest.fixture(scope="module")
def counter_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_timeout=2)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


# A fresh rate window per example, so examples never share a count.
_windows = itertools.count(1)


@PROPERTIES
@given(sender_id=sender_ids, other_id=st.text(max_size=20))
@example(sender_id="\ud800", other_id="x").via("a lone surrogate, as JSON's \\ud800 decodes")
def test_the_rate_counter_never_raises_and_counts_each_conversation_apart(
    counter_redis: redis.Redis, sender_id: str, other_id: str
) -> None:
    now = 1_000_000.0 + next(_windows) * message_limits.WINDOW_S * 3
    started = time.perf_counter()
    allowed = [
        message_limits.too_fast(sender_id, counter_redis, now) for _ in range(message_limits.MAX_MESSAGES)
    ]
    one_too_many = message_limits.too_fast(sender_id, counter_redis, now + message_limits.WINDOW_S / 2)
    assert time.perf_counter() - started < TIME_LIMIT_S
    assert allowed == [False] * message_limits.MAX_MESSAGES and one_too_many is True
    if other_id != sender_id:
        assert message_limits.too_fast(other_id, counter_redis, now) is False
    assert message_limits.too_fast(sender_id, counter_redis, now + message_limits.WINDOW_S) is False


def test_every_counter_expires(counter_redis: redis.Redis) -> None:
    message_limits.too_fast("expiring", counter_redis, 5_000.0)
    [key] = counter_redis.keys("cs:limits:messages:expiring:*")
    assert 0 < counter_redis.ttl(key) <= 2 * message_limits.WINDOW_S
