"""The knowledge-gaps page in the real app: roles, grouping by topic, masking, conversation links."""

from __future__ import annotations

import json
import re
import time

import pytest
from redis import Redis as SyncRedis

from actions.insights.masking import Masker
from jobs.topic_run import RunOptions, run_topics
from tests.unit.insights.fakes import WordHashEncoder, subject_messages, user_event
from tests.unit.web.test_topics_console import ADMIN, AGENT, KEYS, MARKETER, Console
from tests.unit.web.test_topics_console import console as console  # the app, signed-in users, this database


@pytest.fixture
def sync_redis(redis_client: SyncRedis) -> SyncRedis:
    return redis_client


def _answer(sender: str, timestamp: float, kind: str) -> dict[str, str]:
    event = {
        "event": "bot",
        "timestamp": timestamp,
        "text": "...",
        "data": {},
        "metadata": {"answer_kind": kind},
    }
    return {"sender_id": sender, "type": "bot", "event": json.dumps(event)}


def _seed(redis: SyncRedis) -> None:
    """Password questions unanswered (one naming an e-mail address), refund questions answered."""
    start = time.time() - 7200
    texts = [
        (f"p{n}", text, "unknown" if n < 5 else "partial")
        for n, text in enumerate(subject_messages("password", 8))
    ]
    texts[1] = ("p1", texts[1][1] + " ann@example.com", "unknown")
    texts += [(f"r{n}", text, "generated") for n, text in enumerate(subject_messages("refund", 6))]
    for n, (sender, text, kind) in enumerate(texts):
        redis.xadd(KEYS.events, user_event(sender, text, start + 60 * n))
        redis.xadd(KEYS.events, _answer(sender, start + 60 * n + 1, kind))
    run_topics(redis, KEYS, WordHashEncoder(), Masker(), RunOptions(now=start + 3600))


def test_gaps_are_grouped_by_topic_masked_and_for_marketers_only(
    console: Console, sync_redis: SyncRedis
) -> None:
    console.sign_in(MARKETER)
    empty = console.client.get("/marketing/gaps")
    assert empty.status_code == 200 and 'data-testid="gaps-empty"' in empty.text

    _seed(sync_redis)
    page = console.client.get("/marketing/gaps").text
    (row,) = re.findall(r'<tr data-testid="gap-row".*?</tr>', page, flags=re.S)  # refunds were all answered
    assert "password" in row
    assert '<td data-testid="gap-unknown">5</td>' in row and '<td data-testid="gap-partial">3</td>' in row
    assert "100% of 8" in row
    examples = re.findall(r"<li><q>(.*?)</q>", row, flags=re.S)
    assert len(examples) == 8
    assert "[e-mail]" in examples[6] and "ann@example.com" not in page  # newest first: p1 is 7th
    assert 'data-testid="gap-conversation"' not in page  # a marketer reads no conversations

    console.sign_in(ADMIN)
    links = re.findall(
        r'href="/agent#conversation=(p\d)" data-testid="gap-conversation"',
        console.client.get("/marketing/gaps").text,
    )
    assert links == [f"p{n}" for n in range(7, -1, -1)]

    console.sign_in(AGENT, "/agent")
    assert console.client.get("/marketing/gaps").status_code == 403
