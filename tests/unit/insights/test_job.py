"""Topics runs against a real Redis: stable ids, renames and merges that survive, counts, waiting messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.errors import TopicChangeRefused, TopicsRunBusy
from actions.insights.masking import Masker
from actions.insights.overrides import TopicBoard
from actions.insights.store import TopicStore
from actions.keys import Keys
from jobs.topic_run import RunOptions, run_topics
from tests.unit.insights.fakes import WordHashEncoder, append_messages, subject_messages

KEYS = Keys("t")
DAY_1 = datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp()
DAY_2 = DAY_1 + 86_400
MASKER = Masker()


@pytest.fixture
async def board(redis_client: Redis, redis_url: str) -> AsyncIterator[TopicBoard]:
    client = AsyncRedis.from_url(redis_url)
    yield TopicBoard(client, KEYS)
    await client.aclose()


def _run(redis: Redis, encoder: WordHashEncoder, now: float) -> None:
    run_topics(redis, KEYS, encoder, MASKER, RunOptions(now=now))


def _topic_of(views: list, word: str) -> str:  # type: ignore[type-arg]
    return next(view.id for view in views if word in view.words)


async def test_topics_keep_their_ids_and_new_subjects_get_new_ones(
    redis_client: Redis, board: TopicBoard
) -> None:
    encoder = WordHashEncoder()
    append_messages(redis_client, KEYS, subject_messages("late", 12) + subject_messages("refund", 9), DAY_1)
    _run(redis_client, encoder, DAY_1 + 3600)
    first = await board.topics()
    assert len(first) == 2
    late, refund = _topic_of(first, "late"), _topic_of(first, "refund")
    assert {view.size for view in first} == {12, 9}

    later = subject_messages("refund", 4, 2) + subject_messages("password", 6)
    append_messages(redis_client, KEYS, later, DAY_2, sender="d")
    _run(redis_client, encoder, DAY_2 + 3600)
    second = await board.topics()
    assert _topic_of(second, "late") == late and _topic_of(second, "refund") == refund
    password = _topic_of(second, "password")
    assert password not in (late, refund)
    assert (await board.topic(refund)).size == 13
    assert await board.daily(refund) == {"2026-03-02": 9, "2026-03-03": 4}
    assert await board.daily(refund, "conversations") == {"2026-03-02": 9, "2026-03-03": 4}

    append_messages(redis_client, KEYS, subject_messages("password", 3, 3), DAY_2 + 7200, sender="e")
    _run(redis_client, encoder, DAY_2 + 9000)
    assert _topic_of(await board.topics(), "password") == password
    assert (await board.topic(password)).size == 9


async def test_a_rename_and_a_merge_survive_later_runs(redis_client: Redis, board: TopicBoard) -> None:
    encoder = WordHashEncoder()
    append_messages(redis_client, KEYS, subject_messages("late", 8) + subject_messages("refund", 8), DAY_1)
    _run(redis_client, encoder, DAY_1 + 3600)
    views = await board.topics()
    late, refund = _topic_of(views, "late"), _topic_of(views, "refund")
    await board.rename(late, "  Late   deliveries ")
    await board.merge(refund, into=late)

    later = subject_messages("late", 5, 2) + subject_messages("refund", 4, 2)
    append_messages(redis_client, KEYS, later, DAY_2, sender="d")
    _run(redis_client, encoder, DAY_2 + 3600)
    views = await board.topics()
    assert [view.id for view in views] == [late]
    merged = views[0]
    assert merged.name == "Late deliveries" and merged.renamed and merged.automatic_name != merged.name
    assert merged.merged == [refund] and merged.size == 25
    assert (await board.topic(refund)).id == late  # a merged-away id leads to the topic it joined
    assert await board.daily(late) == {"2026-03-02": 16, "2026-03-03": 9}

    await board.unmerge(refund)
    assert {view.id for view in await board.topics()} == {late, refund}
    assert (await board.topic(refund)).size == 12  # its own messages, the later ones included
    await board.rename(late, None)
    assert not (await board.topic(late)).renamed


async def test_refused_changes(redis_client: Redis, board: TopicBoard) -> None:
    append_messages(redis_client, KEYS, subject_messages("late", 8) + subject_messages("refund", 8), DAY_1)
    _run(redis_client, WordHashEncoder(), DAY_1 + 3600)
    late, refund = sorted(view.id for view in await board.topics())
    await board.merge(late, into=refund)
    with pytest.raises(TopicChangeRefused):
        await board.merge(refund, into=late)  # a loop
    with pytest.raises(TopicChangeRefused):
        await board.rename(late, "x" * 81)


async def test_examples_are_masked_and_central(redis_client: Redis, board: TopicBoard) -> None:
    texts = subject_messages("late", 10)
    texts[3] = "parcel late carrier, I'm Sarah Connor, sarah@example.com, order 111790"
    append_messages(redis_client, KEYS, texts, DAY_1)
    _run(redis_client, WordHashEncoder(), DAY_1 + 3600)
    (view,) = await board.topics()
    stored = redis_client.get(KEYS.insights_topic(view.id)) or b""
    assert b"Sarah" not in stored and b"example.com" not in stored and b"111790" not in stored
    assert len(view.examples) == 5
    assert view.examples == sorted(view.examples, key=lambda example: -example.similarity)
    assert view.name.startswith(("parcel", "late", "carrier"))


async def test_a_small_subject_waits_until_it_is_a_topic(redis_client: Redis, board: TopicBoard) -> None:
    encoder = WordHashEncoder()
    append_messages(redis_client, KEYS, subject_messages("late", 10) + subject_messages("sizes", 2), DAY_1)
    _run(redis_client, encoder, DAY_1 + 3600)
    assert len(await board.topics()) == 1
    assert redis_client.hlen(KEYS.insights_pending) == 2

    append_messages(redis_client, KEYS, subject_messages("sizes", 3, 2), DAY_2, sender="d")
    _run(redis_client, encoder, DAY_2 + 3600)
    sizes = _topic_of(await board.topics(), "size")
    assert await board.daily(sizes) == {"2026-03-02": 2, "2026-03-03": 3}
    assert redis_client.hlen(KEYS.insights_pending) == 0


async def test_a_rising_topic_is_flagged_with_its_evidence(redis_client: Redis, board: TopicBoard) -> None:
    encoder = WordHashEncoder()
    for day in range(28):
        texts = subject_messages("late", 3, day) + subject_messages("refund", 10, day)
        append_messages(redis_client, KEYS, texts, DAY_1 + day * 86_400, sender=f"d{day}")
    onset = DAY_1 + 28 * 86_400
    spike = subject_messages("late", 20, 99) + subject_messages("refund", 10, 99)
    append_messages(redis_client, KEYS, spike, onset, sender="onset")
    _run(redis_client, encoder, onset + 3 * 3600)
    late = _topic_of(await board.topics(), "late")
    (flag,) = await board.emerging()
    assert flag.topic_id == late and flag.day == "2026-03-30" and flag.count == 20
    assert flag.baseline_days == 28 and flag.baseline_count == 84 and flag.p_value < 0.001


def test_runs_do_not_overlap_and_an_idle_run_embeds_nothing(redis_client: Redis) -> None:
    encoder = WordHashEncoder()
    append_messages(redis_client, KEYS, subject_messages("late", 6), DAY_1)
    with TopicStore(redis_client, KEYS).lock(), pytest.raises(TopicsRunBusy):
        _run(redis_client, encoder, DAY_1 + 60)
    _run(redis_client, encoder, DAY_1 + 3600)
    embedded = encoder.encoded
    report = run_topics(redis_client, KEYS, encoder, MASKER, RunOptions(now=DAY_1 + 7200))
    assert encoder.encoded == embedded and report.messages == 0 and report.topics == 1


async def test_an_erased_customer_leaves_the_topics(redis_client: Redis, board: TopicBoard) -> None:
    texts = subject_messages("late", 8) + subject_messages("sizes", 2)
    append_messages(redis_client, KEYS, texts, DAY_1)
    _run(redis_client, WordHashEncoder(), DAY_1 + 3600)
    (view,) = await board.topics()
    gone = {view.examples[0].conversation_id, "c-9"}  # c-9's message waits (a subject of two)
    assert await board.forget_conversations(gone) == 3
    (after,) = await board.topics()
    assert all(example.conversation_id not in gone for example in after.examples)
    assert redis_client.hlen(KEYS.insights_pending) == 1
    assert (
        redis_client.zscore(KEYS.insights_topic_conversations(view.id), view.examples[0].conversation_id)
        is None
    )
    with TopicStore(redis_client, KEYS).lock(), pytest.raises(TopicsRunBusy):
        await board.forget_conversations(gone)


def test_a_stream_of_other_events_only_moves_the_position(redis_client: Redis) -> None:
    encoder = WordHashEncoder()
    last = redis_client.xadd(KEYS.events, {"sender_id": "c1", "type": "bot", "event": "{}"})
    report = run_topics(redis_client, KEYS, encoder, MASKER, RunOptions(now=DAY_1))
    assert encoder.encoded == 0 and report.entries_read == 1
    assert redis_client.get(KEYS.insights_cursor) == last


async def test_a_topic_lists_its_newest_conversations_merged_ones_included(
    redis_client: Redis, board: TopicBoard
) -> None:
    texts = subject_messages("late", 4) + subject_messages("refund", 3)
    append_messages(redis_client, KEYS, texts, DAY_1)
    _run(redis_client, WordHashEncoder(), DAY_1 + 3600)
    views = await board.topics()
    late, refund = _topic_of(views, "late"), _topic_of(views, "refund")
    listed = await board.conversations(await board.topic(late))
    assert [c.conversation_id for c in listed] == ["c-3", "c-2", "c-1", "c-0"]
    assert listed[0].last_message_at == datetime.fromtimestamp(DAY_1 + 180, UTC)
    assert [c.conversation_id for c in await board.conversations(await board.topic(late), limit=2)] == [
        "c-3",
        "c-2",
    ]
    await board.merge(refund, late)
    merged = await board.conversations(await board.topic(late))
    assert [c.conversation_id for c in merged] == ["c-6", "c-5", "c-4", "c-3", "c-2", "c-1", "c-0"]
    assert await board.series(await board.topic(late)) == {"2026-03-02": 7}
    both = await board.all_series(await board.topic(late), ("messages", "conversations"))
    assert both == {"messages": {"2026-03-02": 7}, "conversations": {"2026-03-02": 7}}
