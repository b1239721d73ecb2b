"""Customers write about a new subject through the real Rasa server: it becomes a topic, and stays one.

The whole path: REST channel -> Rasa -> action server (the answer and its kind) -> event broker
-> ``cs:events`` -> ``python -m jobs.topics run`` -> topic records and per-day measures.
"""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest
from redis import Redis

from actions.insights.messages import ANSWER_KINDS
from jobs.topics import main as topics_job
from stack.assistant import Assistant
from tests.integration.conftest import E2E_REDIS_URL

pytestmark = pytest.mark.integration

# One subject the help centre does not cover, in several wordings: enough for the real encoder to
# make a topic of them (at least three close messages). No product words: those get product lists.
FIRST = [
    "do you have a physical shop in Lisbon I can visit?",
    "is there a physical shop in Lisbon I could visit?",
    "can I visit a physical shop of yours in Lisbon?",
    "where is your physical shop in Lisbon?",
]
LATER = [
    "do you have a physical shop in Lisbon to visit before buying?",
    "is your physical shop in Lisbon open for a visit?",
    "could I visit your physical shop in Lisbon?",
]
STREAM_WAIT_S = 20.0


def _ask(assistant: Assistant, sender: str, text: str) -> None:
    response = httpx.post(
        f"{assistant.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    response.raise_for_status()


def _answer_kinds(redis: Redis, senders: set[str]) -> dict[str, str]:
    """The ``metadata.answer_kind`` of each sender's bot messages in the event stream (the first one)."""
    kinds: dict[str, str] = {}
    for _, fields in redis.xrange("cs:events"):
        if fields.get("type") != "bot" or fields.get("sender_id") not in senders:
            continue
        metadata = json.loads(fields["event"]).get("metadata") or {}
        if "answer_kind" in metadata:
            kinds.setdefault(fields["sender_id"], metadata["answer_kind"])
    return kinds


def _conversations(assistant: Assistant, redis: Redis, texts: list[str]) -> dict[str, str]:
    """One new conversation per text; waits until every answer's bot event is in the stream."""
    senders = {f"topics-e2e-{uuid.uuid4().hex[:10]}": text for text in texts}
    for sender, text in senders.items():
        _ask(assistant, sender, text)
    deadline = time.monotonic() + STREAM_WAIT_S
    while (kinds := _answer_kinds(redis, set(senders))).keys() != senders.keys():
        assert time.monotonic() < deadline, f"answers without answer_kind in the stream: {kinds}"
        time.sleep(0.5)
    return kinds


def _topics(redis: Redis) -> dict[str, dict]:  # type: ignore[type-arg]
    return {
        i: json.loads(redis.get(f"cs:insights:topic:{i}")) for i in redis.zrange("cs:insights:topics", 0, -1)
    }


def _daily(redis: Redis, topics: dict[str, dict], day: str) -> dict[str, dict[str, int]]:  # type: ignore[type-arg]
    """Each topic's counts of ``day``: field name without the day -> count."""
    counts: dict[str, dict[str, int]] = {}
    for topic_id in topics:
        fields = redis.hgetall(f"cs:insights:daily:{topic_id}")
        counts[topic_id] = {k.split(":", 1)[1]: int(v) for k, v in fields.items() if k.startswith(f"{day}:")}
    return counts


def _grew(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], topic: str, field: str) -> int:
    return after.get(topic, {}).get(field, 0) - before.get(topic, {}).get(field, 0)


def test_a_new_subject_becomes_a_topic_that_the_next_run_keeps(
    assistant: Assistant, store_redis: Redis
) -> None:
    day = time.strftime("%Y-%m-%d", time.gmtime())
    # Earlier tests' messages are placed first, so this test's subject is the only new one.
    assert topics_job(["run", "--redis-url", E2E_REDIS_URL]) == 0
    topics = _topics(store_redis)
    sizes, counts = {t: v["size"] for t, v in topics.items()}, _daily(store_redis, topics, day)

    kinds = _conversations(assistant, store_redis, FIRST)
    assert set(kinds.values()) <= ANSWER_KINDS
    assert topics_job(["run", "--redis-url", E2E_REDIS_URL]) == 0
    topics = _topics(store_redis)
    # "Lisbon" is masked: a capitalised word the store does not use.
    (first,) = [
        t for t, v in topics.items() if v["size"] - sizes.get(t, 0) >= len(FIRST) and "physical" in v["words"]
    ]
    assert topics[first]["size"] - sizes.get(first, 0) == len(FIRST)
    after = _daily(store_redis, topics, day)
    assert _grew(counts, after, first, "messages") == len(FIRST)
    assert _grew(counts, after, first, "answers") == len(FIRST)  # each question's answer kind was read
    assert _grew(counts, after, first, "emotion_read") == len(FIRST)  # each message's emotion, by its id
    unanswered = sum(kind in ("unknown", "partial") for kind in kinds.values())
    assert _grew(counts, after, first, "unanswered") == unanswered
    if first not in sizes:
        assert "physical" in topics[first]["name"] and len(topics[first]["gaps"]) == unanswered

    sizes, counts = {t: v["size"] for t, v in topics.items()}, after
    later = _conversations(assistant, store_redis, LATER)
    assert len(later) == len(LATER)
    assert topics_job(["run", "--redis-url", E2E_REDIS_URL]) == 0
    topics = _topics(store_redis)
    assert topics[first]["size"] - sizes[first] == len(LATER)  # the same id: the topic is kept
    after = _daily(store_redis, topics, day)
    assert _grew(counts, after, first, "answers") == len(LATER)
    assert _grew(counts, after, first, "conversations") == len(LATER)
