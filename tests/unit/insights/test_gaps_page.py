"""The knowledge-gaps page in the real app: roles, grouping by topic, masking, conversation links."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis as AsyncRedis

from actions.insights.masking import Masker
from actions.insights.models import WaitingGaps
from actions.insights.overrides import TopicBoard, TopicView
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


def test_questions_too_rare_for_a_topic_are_listed_apart(console: Console, sync_redis: SyncRedis) -> None:
    _seed(sync_redis)
    start = time.time() - 600
    # A subject of two questions makes no topic (three are needed); one names a phone number.
    rare = [("w0", subject_messages("sizes", 2)[0] + " call me on +44 20 7946 0958", "unknown")]
    rare += [
        ("w1", subject_messages("sizes", 2)[1], "partial"),
        ("w2", "a question answered in full", "generated"),
    ]
    for n, (sender, text, kind) in enumerate(rare):
        sync_redis.xadd(KEYS.events, user_event(sender, text, start + n))
        sync_redis.xadd(KEYS.events, _answer(sender, start + n + 0.5, kind))
    run_topics(sync_redis, KEYS, WordHashEncoder(), Masker(), RunOptions(now=start + 60))

    console.sign_in(MARKETER)
    page = console.client.get("/marketing/gaps").text
    (section,) = re.findall(
        r'<section class="mk-panel" data-testid="gaps-waiting">.*?</section>', page, flags=re.S
    )
    assert "2 unanswered questions" in section and '1 "not sure", 1 partial' in section
    examples = re.findall(r"<li><q>(.*?)</q>", section, flags=re.S)
    assert len(examples) == 2 and "chart" in examples[1] and "7946" not in page  # newest first, masked
    assert len(re.findall(r'<tr data-testid="gap-row"', page)) == 1  # the password topic, as before


def test_an_erased_customer_leaves_the_gaps(console: Console, sync_redis: SyncRedis) -> None:
    _seed(sync_redis)
    start = time.time() - 600
    sync_redis.xadd(KEYS.events, user_event("w0", subject_messages("sizes", 1)[0], start))
    sync_redis.xadd(KEYS.events, _answer("w0", start + 0.5, "unknown"))
    run_topics(sync_redis, KEYS, WordHashEncoder(), Masker(), RunOptions(now=start + 60))

    async def erase() -> tuple[WaitingGaps, list[TopicView], int, WaitingGaps, list[TopicView]]:
        redis = AsyncRedis.from_url(console.redis_url)
        try:
            board = TopicBoard(redis, KEYS)
            before = (await board.waiting_gaps(), await board.topics())
            removed = await board.forget_conversations({"w0", "p3"})
            return (*before, removed, await board.waiting_gaps(), await board.topics())
        finally:
            await redis.aclose()

    waiting, topics, removed, waiting_after, topics_after = asyncio.run(erase())
    (topic,) = [t for t in topics if t.gaps]
    (after,) = [t for t in topics_after if t.id == topic.id]
    assert waiting.unanswered == 1 and waiting_after.newest == []
    assert "p3" in {e.conversation_id for e in topic.gaps} and "p3" not in {
        e.conversation_id for e in after.gaps
    }
    assert len(after.gaps) == len(topic.gaps) - 1 and removed >= 2
