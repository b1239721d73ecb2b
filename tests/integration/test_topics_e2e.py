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


def _topic_of(redis: Redis, word: str) -> dict:  # type: ignore[type-arg]
    topics = [
        json.loads(redis.get(f"cs:insights:topic:{i}")) for i in redis.zrange("cs:insights:topics", 0, -1)
    ]
    (topic,) = [t for t in topics if word in t["words"]]
    return topic


def test_a_new_subject_becomes_a_topic_that_the_next_run_keeps(
    assistant: Assistant, store_redis: Redis
) -> None:
    kinds = _conversations(assistant, store_redis, FIRST)
    assert set(kinds.values()) <= ANSWER_KINDS
    assert topics_job(["run", "--redis-url", E2E_REDIS_URL]) == 0
    first = _topic_of(
        store_redis, "physical"
    )  # "Lisbon" is masked: a capitalised word the store does not use
    assert first["size"] == len(FIRST)
    assert "physical" in first["name"]
    day = time.strftime("%Y-%m-%d", time.gmtime())
    daily = store_redis.hgetall(f"cs:insights:daily:{first['id']}")
    assert int(daily[f"{day}:messages"]) == len(FIRST)
    assert int(daily[f"{day}:answers"]) == len(FIRST)  # each question's answer kind was read
    assert int(daily[f"{day}:emotion_read"]) == len(FIRST)  # each message's emotion, by its message id
    unanswered = sum(kind in ("unknown", "partial") for kind in kinds.values())
    assert int(daily.get(f"{day}:unanswered", 0)) == unanswered
    assert len(first["gaps"]) == unanswered

    later = _conversations(assistant, store_redis, LATER)
    assert topics_job(["run", "--redis-url", E2E_REDIS_URL]) == 0
    kept = _topic_of(store_redis, "physical")
    assert kept["id"] == first["id"]
    assert kept["size"] == len(FIRST) + len(LATER)
    daily = store_redis.hgetall(f"cs:insights:daily:{first['id']}")
    assert int(daily[f"{day}:answers"]) == len(FIRST) + len(LATER)
    assert int(daily[f"{day}:conversations"]) == len(FIRST) + len(LATER)
    assert len(later) == len(LATER)
