"""Customer messages read from the event stream from a stored position, non-subjects skipped."""

from __future__ import annotations

import json

from redis import Redis

from actions.insights.messages import parse_entry, read_messages
from actions.keys import Keys
from tests.unit.insights.fakes import user_event

KEYS = Keys("t")


def test_only_customer_messages_with_a_subject_are_read() -> None:
    assert parse_entry("1-0", user_event("c1", "my parcel is late", 1.0)) is not None
    assert parse_entry("1-0", {"sender_id": "c1", "type": "bot", "event": json.dumps({"text": "hi"})}) is None
    assert parse_entry("1-0", user_event("c1", "/greet", 1.0)) is None  # a button payload
    assert parse_entry("1-0", user_event("c1", "thanks!", 1.0, intent="thank")) is None
    assert parse_entry("1-0", user_event("c1", "111790", 1.0, intent="inform")) is None
    assert parse_entry("1-0", {"type": "user", "event": "{not json"}) is None


def test_reading_resumes_after_the_last_entry(redis_client: Redis) -> None:
    ids = [redis_client.xadd(KEYS.events, user_event(f"c{n}", f"question {n}", 100.0 + n)) for n in range(5)]
    redis_client.xadd(KEYS.events, {"sender_id": "c9", "type": "bot", "event": json.dumps({"event": "bot"})})
    first = read_messages(redis_client, KEYS, "0-0", limit=3)
    assert [m.text for m in first.messages] == ["question 0", "question 1", "question 2"]
    assert first.last_id == ids[2].decode()
    rest = read_messages(redis_client, KEYS, first.last_id, limit=10)
    assert [m.text for m in rest.messages] == ["question 3", "question 4"]
    assert rest.entries_read == 3  # the bot event is read past
    assert read_messages(redis_client, KEYS, rest.last_id, limit=10).messages == []


def test_a_message_published_twice_is_read_once(redis_client: Redis) -> None:
    for _ in range(2):
        redis_client.xadd(KEYS.events, user_event("c1", "where is my parcel", 1_700_000_000.5))
    batch = read_messages(redis_client, KEYS, "0-0", limit=10)
    assert len(batch.messages) == 1
    assert batch.messages[0].day == "2023-11-14"
