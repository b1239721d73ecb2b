"""Per-topic measures: what each is attributed to (a message or a conversation), and the gaps kept."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.insights.emerging import EmergingRule, upset_flag
from actions.insights.masking import Masker
from actions.insights.measures import (
    ConversationTopics,
    PlacedMessage,
    answer_counts,
    emotion_counts,
    outcome_counts,
    read_outcomes,
    timeline_marks,
)
from actions.insights.messages import read_messages
from actions.insights.overrides import TopicBoard
from actions.keys import Keys
from jobs.topic_run import RunOptions, run_topics
from tests.unit.insights.fakes import WordHashEncoder, subject_messages, user_event
from web.marketing.gaps import gap_rows
from web.marketing.topics_view import last_days, topic_row

KEYS = Keys("t")
DAY_1 = datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp()
MASKER = Masker()


def bot_event(sender: str, timestamp: float, kind: str | None, text: str = "an answer") -> dict[str, str]:
    """A bot message as the event broker writes it; ``kind``: its ``metadata.answer_kind``."""
    event = {
        "event": "bot",
        "timestamp": timestamp,
        "text": text,
        "data": {},
        "metadata": {"answer_kind": kind} if kind else {"utter_action": "utter_greet"},
    }
    return {"sender_id": sender, "type": "bot", "event": json.dumps(event)}


def action_event(sender: str, timestamp: float, name: str) -> dict[str, str]:
    event = {"event": "action", "timestamp": timestamp, "name": name}
    return {"sender_id": sender, "type": "action", "event": json.dumps(event)}


def with_id(entry: dict[str, str], message_id: str) -> dict[str, str]:
    event = json.loads(entry["event"])
    event["message_id"] = message_id
    return {**entry, "event": json.dumps(event)}


def timeline_entry(message_id: str | None, at: float, dominant: str) -> str:
    reading = {"labels": {}, "top": {}, "ekman": {dominant: 0.9}, "ekman_detected": [dominant], "states": {},
               "sentiment": 0.0, "dominant": dominant, "negative": 0.0}  # fmt: skip
    return json.dumps({"message_id": message_id, "at": at, "intent": None, "reading": reading})


@pytest.fixture
async def board(redis_client: Redis, redis_url: str) -> AsyncIterator[TopicBoard]:
    client = AsyncRedis.from_url(redis_url)
    yield TopicBoard(client, KEYS)
    await client.aclose()


def test_an_answer_is_attributed_to_the_latest_message_of_its_conversation(redis_client: Redis) -> None:
    entries = [
        user_event("c1", "my parcel is late again", DAY_1),
        user_event("c2", "how do I reset my password", DAY_1 + 1),
        bot_event("c2", DAY_1 + 2, "generated"),
        bot_event("c1", DAY_1 + 3, "unknown"),
        bot_event("c1", DAY_1 + 4, "partial"),  # a second part of the answer: the first kind stays
        user_event("c1", "thanks!", DAY_1 + 5, intent="thank"),
        bot_event("c1", DAY_1 + 6, "unknown"),  # answers "thanks!", no subject: not counted
        bot_event("c2", DAY_1 + 7, None),  # a bot message that is no answer
        action_event("c2", DAY_1 + 8, "action_request_handoff"),
        action_event("c2", DAY_1 + 9, "action_listen"),
    ]
    for entry in entries:
        redis_client.xadd(KEYS.events, entry)
    batch = read_messages(redis_client, KEYS, "0-0", limit=100)
    late, password = batch.messages
    assert batch.answers == {late.key: "unknown", password.key: "generated"}
    assert batch.handoffs == [("c2", DAY_1 + 8)]


def test_answers_count_per_message_and_unanswered_is_unknown_or_partial() -> None:
    placed = [
        PlacedMessage("t-1", "c1", DAY_1, None, "unknown"),
        PlacedMessage("t-1", "c2", DAY_1, None, "partial"),
        PlacedMessage("t-1", "c3", DAY_1, None, "generated"),
        PlacedMessage("t-1", "c4", DAY_1, None, None),  # no answer followed it
        PlacedMessage("t-2", "c1", DAY_1 + 86_400, None, "refused"),
    ]
    counts = answer_counts(placed)
    assert counts[("t-1", "2026-03-02")] == {
        "answers": 3,
        "answer:unknown": 1,
        "answer:partial": 1,
        "answer:generated": 1,
        "unanswered": 2,
    }
    assert counts[("t-2", "2026-03-03")] == {"answers": 1, "answer:refused": 1}


def test_a_message_takes_its_own_timeline_entry() -> None:
    marks = timeline_marks(
        [
            timeline_entry("m1", DAY_1 + 1, "anger"),
            timeline_entry("m2", DAY_1 + 30, "joy"),
            timeline_entry(None, DAY_1 + 62, "sadness"),  # written before message ids were kept
            b"{not json",
        ]
    )
    assert len(marks) == 3
    placed = [
        PlacedMessage("t-1", "c1", DAY_1 + 29, "m2", None),  # by id, though m1 is nearer in time
        PlacedMessage("t-1", "c1", DAY_1, "m1", None),
        PlacedMessage("t-1", "c1", DAY_1 + 60, None, None),  # by time: the entry just after it
        PlacedMessage("t-2", "c1", DAY_1 + 600, "m9", None),  # no entry of its own
    ]
    counts = emotion_counts(placed, {"c1": marks})
    assert counts == {
        ("t-1", "2026-03-02"): {
            "emotion_read": 3,
            "emotion:joy": 1,
            "emotion:anger": 1,
            "upset": 2,
            "emotion:sadness": 1,
        }
    }


def test_an_outcome_is_credited_once_to_each_topic_of_its_conversation(redis_client: Redis) -> None:
    redis_client.zadd(KEYS.insights_topic_conversations("t-3"), {"old": DAY_1 - 86_400})
    topics = ConversationTopics(redis_client, KEYS, ["t-1", "t-2", "t-3"])
    topics.add([PlacedMessage("t-1", "c1", DAY_1, None, None), PlacedMessage("t-2", "c1", DAY_1, None, None)])
    outcomes = [
        ("c1", DAY_1 + 10, "handoffs", 1),
        ("c1", DAY_1 + 20, "handoffs", 1),  # asked twice: one hand-off per topic
        ("c1", DAY_1 + 30, "csat_sum", 4),
        ("c1", DAY_1 + 30, "csat_count", 1),
        ("old", DAY_1, "offers_accepted", 1),  # a conversation of an earlier run, from the topic's list
        ("nobody", DAY_1, "handoffs", 1),  # no topic: not credited
    ]
    counts = outcome_counts(outcomes, topics)
    for topic in ("t-1", "t-2"):
        assert counts[(topic, "2026-03-02")] == {"handoffs": 1, "csat_sum": 4, "csat_count": 1}
    assert counts[("t-3", "2026-03-02")] == {"offers_accepted": 1}
    assert len(counts) == 3


def test_ratings_and_offers_are_read_after_their_positions(redis_client: Redis) -> None:
    redis_client.xadd(KEYS.csat, {"conversation_id": "c1", "score": 5, "at": DAY_1})
    redis_client.xadd(KEYS.csat, {"conversation_id": "c2", "score": 9, "at": DAY_1})  # out of range
    offer = {
        "rule": "r",
        "kind": "upsell",
        "variant": "a",
        "segment": "",
        "customer": "anonymous",
        "version": 1,
    }
    redis_client.xadd(KEYS.offer_events, {**offer, "type": "exposure", "conversation": "c1", "ts": DAY_1})
    redis_client.xadd(KEYS.offer_events, {**offer, "type": "click", "conversation": "c1", "ts": DAY_1})
    redis_client.xadd(KEYS.offer_events, {**offer, "type": "accept", "conversation": "c1", "ts": DAY_1})
    first = read_outcomes(redis_client, KEYS, {})
    assert first.outcomes == [
        ("c1", DAY_1, "csat_sum", 5),
        ("c1", DAY_1, "csat_count", 1),
        ("c1", DAY_1, "offers_shown", 1),
        ("c1", DAY_1, "offers_accepted", 1),
    ]
    assert read_outcomes(redis_client, KEYS, first.cursors).outcomes == []


async def test_a_run_stores_every_measure_and_keeps_the_gaps_masked(
    redis_client: Redis, board: TopicBoard
) -> None:
    late = subject_messages("late", 8)
    for n, text in enumerate(late):
        conversation, at = f"c{n}", DAY_1 + 60 * n
        wording = f"{text} mail me at jo{n}@example.com" if n < 2 else text
        redis_client.xadd(KEYS.events, with_id(user_event(conversation, wording, at), f"m{n}"))
        redis_client.rpush(
            KEYS.emotion_timeline(conversation),
            timeline_entry(f"m{n}", at + 1, "anger" if n < 3 else "neutral"),
        )
        redis_client.xadd(KEYS.events, bot_event(conversation, at + 2, "unknown" if n < 2 else "generated"))
    redis_client.xadd(KEYS.events, action_event("c0", DAY_1 + 5, "action_request_handoff"))
    redis_client.xadd(KEYS.csat, {"conversation_id": "c1", "score": 2, "at": DAY_1 + 100})
    redis_client.xadd(KEYS.csat, {"conversation_id": "c2", "score": 5, "at": DAY_1 + 200})
    run = RunOptions(now=DAY_1 + 3600)
    run_topics(redis_client, KEYS, WordHashEncoder(), MASKER, run)

    (view,) = await board.topics()
    series = await board.all_series(
        view, ("upset", "emotion_read", "unanswered", "answers", "handoffs", "csat_sum", "csat_count")
    )
    day = "2026-03-02"
    assert {metric: values[day] for metric, values in series.items()} == {
        "upset": 3, "emotion_read": 8, "unanswered": 2, "answers": 8,
        "handoffs": 1, "csat_sum": 7, "csat_count": 2,
    }  # fmt: skip
    assert [gap.conversation_id for gap in view.gaps] == ["c1", "c0"]  # newest first
    assert all("[e-mail]" in gap.text and "@" not in gap.text for gap in view.gaps)

    # A later rating of a conversation of an earlier run is credited; nothing is counted twice.
    redis_client.xadd(KEYS.csat, {"conversation_id": "c3", "score": 4, "at": DAY_1 + 4000})
    run_topics(redis_client, KEYS, WordHashEncoder(), MASKER, RunOptions(now=DAY_1 + 7200))
    series = await board.all_series(view, ("csat_sum", "csat_count", "handoffs", "answers"))
    assert {metric: values[day] for metric, values in series.items()} == {
        "csat_sum": 11, "csat_count": 3, "handoffs": 1, "answers": 8,
    }  # fmt: skip

    row = await topic_row(board, view, last_days(datetime.fromtimestamp(DAY_1, UTC).date()), [])
    assert row.measures.upset_share == 3 / 8 and row.measures.unanswered_share == 2 / 8
    assert row.measures.csat == 11 / 3 and row.handoff_rate == 1 / 8
    assert [e.emotion for e in row.measures.emotions if e.count] == ["anger", "neutral"]
    (gaps,) = await gap_rows(board, datetime.fromtimestamp(DAY_1 + 3600, UTC))
    assert (gaps.unknown, gaps.partial, gaps.answers) == (2, 0, 8)
    assert [example.conversation_id for example in gaps.examples] == ["c1", "c0"]


async def test_a_waiting_message_keeps_its_answer_until_it_joins_a_topic(
    redis_client: Redis, board: TopicBoard
) -> None:
    # Two messages are too few for a topic: they wait, with what followed them.
    for n, text in enumerate(subject_messages("refund", 2)):
        redis_client.xadd(KEYS.events, user_event(f"a{n}", text, DAY_1 + n))
        redis_client.xadd(KEYS.events, bot_event(f"a{n}", DAY_1 + n + 0.5, "partial"))
    run_topics(redis_client, KEYS, WordHashEncoder(), MASKER, RunOptions(now=DAY_1 + 600))
    assert await board.topics() == []
    for n, text in enumerate(subject_messages("refund", 3, 2)):
        redis_client.xadd(KEYS.events, user_event(f"b{n}", text, DAY_1 + 900 + n))
    run_topics(redis_client, KEYS, WordHashEncoder(), MASKER, RunOptions(now=DAY_1 + 1200))
    (view,) = await board.topics()
    assert view.size == 5
    assert (await board.daily(view.id, "answer:partial")) == {"2026-03-02": 2}
    assert sorted(gap.conversation_id for gap in view.gaps) == ["a0", "a1"]


def _series(values: list[int], start: str = "2026-03-01") -> dict[str, int]:
    from datetime import date, timedelta

    first = date.fromisoformat(start)
    return {(first + timedelta(days=n)).isoformat(): v for n, v in enumerate(values)}


def test_a_rising_share_of_upset_customers_is_flagged_and_growth_alone_is_not() -> None:
    read = _series([20] * 28 + [20])
    upset = _series([2] * 28 + [12])
    flag = upset_flag("t-1", "2026-03-29", upset, read)
    assert flag is not None and flag.measure == "upset" and flag.count == 12 and flag.exposure == 20
    assert flag.baseline_count == 56 and flag.baseline_exposure == 560 and flag.p_value < 0.001
    # Twice the messages, the same share upset: no flag.
    assert upset_flag("t-1", "2026-03-29", _series([2] * 28 + [4]), _series([20] * 28 + [40])) is None
    # Below the minimum count, however high the share.
    assert upset_flag("t-1", "2026-03-29", _series([0] * 28 + [7]), _series([20] * 28 + [7])) is None
    # Too few baseline days with readings.
    assert (
        upset_flag("t-1", "2026-03-29", _series([0] * 25 + [2, 2, 2, 12]), _series([0] * 25 + [20] * 4))
        is None
    )
    assert upset_flag("t-1", "2026-03-29", upset, read, EmergingRule(min_count=13)) is None
