"""The demo history: deterministic, varied, with its planted rise, and readable by the live readers."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.emotion.timeline import EmotionTimeline
from actions.insights.messages import read_messages
from actions.keys import Keys
from actions.offers.demo import DEMO_RULES_FILE
from actions.offers.events import read_events
from actions.offers.rules import OfferRule
from actions.offers.validation import read_rules_file
from seed.history.loader import HistoryOptions, HistoryRefused, load_history
from seed.history.plan import Conversation, Customer, Planner, first_midnight, last_moment
from seed.history.subjects import Fillers, load_subjects
from seed.history.volume import onset_day, simulate
from seed.history.writer import HistoryWriter
from web.agent.desk import HandoffDesk
from web.marketing.offer_stats import offer_stats
from web.marketing.support_stats import csat_stats, handoff_stats
from web.marketing.timerange import TimeRange

KEYS = Keys("cs")
NOW = datetime(2026, 12, 2, 15, 30, tzinfo=UTC).timestamp()
FILLERS = Fillers(
    products=["Kestrel USB-C Charger Classic", "Purely Lip Balm Set", "Nimbus Running Shoe Pro"],
    categories=["electronics", "beauty", "shoes"],
    orders=["104233", "118742"],
    codes=["WELCOME10", "SPRING15"],
    countries=["Canada", "Germany"],
    carriers=["UPS", "DHL Express"],
)
CUSTOMERS = [
    Customer("C10001", 3, "frequent, high-value, recently active", ("104233",)),
    Customer("C10002", 1, "lapsed", ("118742",)),
    Customer("C10003", None, None, ()),
]


def _rules() -> list[OfferRule]:
    return list(read_rules_file(DEMO_RULES_FILE).rules)


def _plan(seed: int, days: int = 21, now: float = NOW) -> list[Conversation]:
    subjects = list(load_subjects())
    first = first_midnight(now, days)
    traffic = simulate(subjects, days, first.weekday(), seed)
    return Planner(subjects, FILLERS, CUSTOMERS, _rules(), seed).plan(traffic, first, now)


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    first, again, other = _plan(3), _plan(3), _plan(4)
    assert [(c.id, c.started_at, [t.text for t in c.turns]) for c in first] == [
        (c.id, c.started_at, [t.text for t in c.turns]) for c in again
    ]
    assert [t.text for c in first for t in c.turns] != [t.text for c in other for t in c.turns]


def test_messages_are_varied_and_timed_within_the_history() -> None:
    conversations = _plan(5, days=42)
    by_subject: dict[str, set[str]] = {}
    for conversation in conversations:
        for turn in conversation.turns:
            if turn.subject:
                by_subject.setdefault(turn.subject, set()).add(turn.text)
    # Dozens of distinct wordings for every common subject, not a handful of phrases.
    assert min(len(texts) for subject, texts in by_subject.items() if subject != "usps-late") >= 25
    assert len(by_subject["order-status"]) >= 80
    first = first_midnight(NOW, 42).timestamp()
    times = [t.at for c in conversations for t in c.turns]
    assert first <= min(times) and max(times) < NOW
    # Weekday and hour patterns: the busiest hour of the day has several times the quietest one's.
    hours = Counter(datetime.fromtimestamp(c.started_at, UTC).hour for c in conversations)
    assert max(hours.values()) > 4 * min(hours.values())


def test_nothing_is_dated_after_now_even_just_after_midnight() -> None:
    now = datetime(2026, 12, 2, 0, 3, tzinfo=UTC).timestamp()
    conversations = _plan(2, days=10, now=now)
    assert conversations and max(last_moment(c) for c in conversations) < now


def test_the_planted_subject_rises_from_its_onset_with_more_upset_customers() -> None:
    subjects = list(load_subjects())
    traffic = simulate(subjects, 42, 0, seed=11)
    onset = onset_day(subjects, 42)
    assert onset == 42 - 1 - 2
    usps = traffic.messages()["usps-late"]
    before, after = usps[:onset], usps[onset:]
    assert sum(after) / len(after) > 8 * max(1.0, sum(before) / len(before))
    conversations = _plan(11, days=42)
    upset = Counter((_subject_of(c), c.upset) for c in conversations)
    planted = upset[("usps-late", True)] / (upset[("usps-late", True)] + upset[("usps-late", False)])
    others = sum(n for (s, u), n in upset.items() if u and s != "usps-late") / sum(
        n for (s, _), n in upset.items() if s != "usps-late"
    )
    assert planted > 0.5 > 2 * others


def _subject_of(conversation: Conversation) -> str | None:
    return next((t.subject for t in conversation.turns if t.subject), None)


@pytest.fixture
def written(redis_client: Redis) -> tuple[Redis, list[Conversation]]:
    conversations = _plan(7, days=14)
    writer = HistoryWriter(redis_client, KEYS, NOW, ("agent", "Alex Agent"), rules_version=1)
    for conversation in conversations:
        writer.add(conversation)
    counts = writer.flush().counts
    assert counts["conversations"] == len(conversations)
    return redis_client, conversations


def test_the_topics_job_reads_the_customer_messages(written: tuple[Redis, list[Conversation]]) -> None:
    redis, conversations = written
    batch = read_messages(redis, KEYS, "0-0", 100_000)
    subject_turns = [t for c in conversations for t in c.turns if t.subject]
    assert len(batch.messages) == len(subject_turns)
    assert {m.intent for m in batch.messages} <= {s.intent for s in load_subjects()}
    assert all(m.conversation_id.startswith("demo-") for m in batch.messages)
    # Entry ids are the messages' own times, so every period-based reader sees the weeks.
    first_id = int(str(redis.xrange(KEYS.events, count=1)[0][0].decode()).split("-")[0])
    assert abs(first_id / 1000 - min(c.started_at for c in conversations)) < 1


async def test_the_dashboard_and_consoles_read_the_rest(
    written: tuple[Redis, list[Conversation]], redis_url: str
) -> None:
    _, conversations = written
    client = AsyncRedis.from_url(redis_url)
    try:
        end = datetime.fromtimestamp(NOW, UTC) + timedelta(hours=1)
        period = TimeRange(start=end - timedelta(days=14), end=end, bucket="day")
        handoffs = await handoff_stats(client, KEYS, period)
        csat = await csat_stats(client, KEYS, period)
        offers = await offer_stats(client, KEYS, period)
        events = await read_events(client, KEYS, count=100_000)  # every entry validates as an OfferEvent
        recent = [c for c in conversations if c.handoff_reason and c.handoff_at > NOW - 7 * 86400]
        assert handoffs.malformed == 0 and handoffs.handoffs == len(recent) > 0
        assert handoffs.conversations_started == len(conversations)
        assert csat.malformed == 0 and csat.count == sum(1 for c in conversations if c.csat is not None) > 0
        assert offers.malformed == 0 and offers.events == len(events) > 0
        assert any(rule.accepts for rule in offers.rules)
        stats = await client.hgetall(KEYS.offer_stats(events[0].rule))
        assert int(stats[b"exposures"] if events[0].type != "control" else stats[b"control"]) > 0
        state = await HandoffDesk(client, KEYS).state(recent[0].id)
        assert state.status == "closed" and state.closing is not None and state.request is not None
        timeline = await EmotionTimeline(client, KEYS).read(conversations[-1].id)
        assert len(timeline) == len(conversations[-1].turns)
    finally:
        await client.aclose()


def test_the_loader_refuses_production_and_a_store_that_is_not_loaded(
    redis_client: Redis, redis_url: str
) -> None:
    with pytest.raises(HistoryRefused, match="demo mode only"):
        load_history(redis_url, KEYS, "production")
    with pytest.raises(HistoryRefused, match="no store is loaded"):
        load_history(redis_url, KEYS, "demo", HistoryOptions(days=14, now=time.time()))
    redis_client.hset(KEYS.demo_history, "days", 14)
    assert load_history(redis_url, KEYS, "demo").already_loaded
    assert redis_client.xlen(KEYS.events) == 0
