from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from actions.handoff.queue import HandoffRequest
from actions.keys import Keys
from tests.unit.web.marketing.segment_fixture import write_fixture
from web.marketing.responses import RequestInvalid
from web.marketing.streams import count_entries
from web.marketing.support_stats import reason_groups
from web.marketing.timerange import parse_range

API = "/api/marketing/stats"
DAY1 = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
DAY = 86400.0
PERIOD = {"from": "2026-11-20", "to": "2026-11-22"}


Fields = dict[FieldT, EncodableT]


def add_all(redis: SyncRedis, key: str, entries: list[tuple[float, Fields]]) -> None:
    # Stream ids carry the time of writing, as the real writers' "*" ids would (in order).
    for seq, (at, fields) in enumerate(sorted(entries, key=lambda entry: entry[0])):
        redis.xadd(key, fields, id=f"{int(at * 1000)}-{seq}")


def offer(kind: str, rule: str, variant: str, at: float) -> tuple[float, Fields]:
    fields: Fields = {
        "type": kind,
        "rule": rule,
        "kind": "upsell",
        "variant": variant,
        "segment": "1",
        "conversation": f"conv-{rule}-{at}",
        "customer": "anonymous",
        "version": 3,
        "ts": at,
    }
    return at, fields


async def test_offer_events_are_counted_per_rule_variant_and_day(
    client: httpx.AsyncClient, sync_redis: SyncRedis, keys: Keys
) -> None:
    events = [
        ("exposure", "a", "x", DAY1 + 3600),
        ("exposure", "a", "x", DAY1 + 7200),
        ("click", "a", "x", DAY1 + 7300),
        ("accept", "a", "x", DAY1 + 7400),
        ("control", "a", "", DAY1 + 8000),
        ("exposure", "a", "x", DAY1 + DAY + 10),
        ("exposure", "a", "y", DAY1 + DAY + 20),
        ("exposure", "a", "y", DAY1 + DAY + 30),
        ("accept", "a", "y", DAY1 + 2 * DAY + 40),  # accepted the next day
        ("exposure", "b", "z", DAY1 + 2 * DAY + 50),
        ("exposure", "a", "x", DAY1 - 10),  # the day before the period
        ("exposure", "a", "x", DAY1 + 3 * DAY),  # the day after
    ]
    malformed: list[tuple[float, Fields]] = [(DAY1 + 60, {"type": "exposure"})]
    add_all(sync_redis, keys.offer_events, [offer(*event) for event in events] + malformed)

    response = await client.get(f"{API}/offers", params=PERIOD)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["bucket"] == "day"
    assert stats["buckets"] == ["2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"]
    assert (stats["events"], stats["malformed"]) == (10, 1)
    series = {(s["rule"], s["variant"]): s for s in stats["series"]}
    assert list(series) == [("a", "x"), ("a", "y"), ("b", "z")]
    ax, ay, bz = series[("a", "x")], series[("a", "y")], series[("b", "z")]
    assert (ax["exposures"], ax["clicks"], ax["accepts"]) == ([2, 1, 0], [1, 0, 0], [1, 0, 0])
    assert ax["acceptance_rate"] == [0.5, 0.0, None]
    assert ax["totals"] == {"exposures": 3, "clicks": 1, "accepts": 1, "acceptance_rate": 0.3333}
    assert (ay["exposures"], ay["accepts"], ay["acceptance_rate"]) == (
        [0, 2, 0],
        [0, 0, 1],
        [None, 0.0, None],
    )
    assert ay["totals"]["acceptance_rate"] == 0.5
    assert bz["exposures"] == [0, 0, 1] and bz["totals"]["acceptance_rate"] == 0.0
    rules = {r["rule"]: r for r in stats["rules"]}
    assert rules["a"] == {
        "rule": "a",
        "exposures": 5,
        "clicks": 1,
        "accepts": 2,
        "acceptance_rate": 0.4,
        "controls": 1,
    }


async def test_a_period_under_two_days_is_counted_by_hour(
    client: httpx.AsyncClient, sync_redis: SyncRedis, keys: Keys
) -> None:
    at = [DAY1 + 3600 + 5, DAY1 + 3600 + 50, DAY1 + 5 * 3600]
    add_all(sync_redis, keys.offer_events, [offer("exposure", "a", "x", moment) for moment in at])
    stats = (
        await client.get(
            f"{API}/offers", params={"from": "2026-11-20T00:00:00+00:00", "to": "2026-11-20T06:00:00Z"}
        )
    ).json()
    assert stats["bucket"] == "hour" and len(stats["buckets"]) == 6
    assert stats["series"][0]["exposures"] == [0, 2, 0, 0, 0, 1]


async def test_handoff_rate_by_reason_per_conversation_started(
    client: httpx.AsyncClient, sync_redis: SyncRedis, keys: Keys
) -> None:
    requests = [
        ("conv-1", "anger rising over 3 turns; very negative message (sentiment -0.91)", DAY1 + 100),
        ("conv-2", "frustration rising over 4 turns", DAY1 + DAY),
        ("conv-3", "customer accepted the offer of a person", DAY1 + 2 * DAY),
        ("conv-0", "customer accepted the offer of a person", DAY1 - DAY),  # before the period
    ]
    for conversation, reason, at in requests:
        request = HandoffRequest(conversation_id=conversation, reason=reason, requested_at=at)
        sync_redis.hset(keys.handoff(conversation), mapping={"request": request.model_dump_json()})
    sync_redis.hset(keys.handoff("conv-9"), mapping={"request": "not json"})
    sync_redis.zadd(keys.handoff_queue, {"conv-1": DAY1})  # not a handoff hash: skipped
    sync_redis.zadd(keys.handoff_closed, {"conv-2": DAY1})
    started = [
        ("conv-1", DAY1 + 50),
        ("conv-1", DAY1 + DAY),
        ("conv-2", DAY1 + 60),
        ("conv-3", DAY1 + 70),
        ("conv-4", DAY1 + 2 * DAY),
        ("conv-0", DAY1 - DAY),
    ]
    entries: list[tuple[float, Fields]] = [
        (
            at,
            {
                "sender_id": conversation,
                "type": "session_started",
                "event": json.dumps({"event": "session_started", "sender_id": conversation, "timestamp": at}),
            },
        )
        for conversation, at in started
    ]
    entries.append((DAY1 + 80, {"sender_id": "conv-5", "type": "user", "event": "{}"}))
    add_all(sync_redis, keys.events, entries)

    stats = (await client.get(f"{API}/handoffs", params=PERIOD)).json()
    assert (stats["conversations_started"], stats["handoffs"], stats["rate"], stats["malformed"]) == (
        4,
        3,
        0.75,
        1,
    )
    assert stats["by_reason"] == [
        {"reason": "anger rising over N turns", "count": 1, "rate": 0.25},
        {"reason": "customer accepted the offer of a person", "count": 1, "rate": 0.25},
        {"reason": "frustration rising over N turns", "count": 1, "rate": 0.25},
        {"reason": "very negative message", "count": 1, "rate": 0.25},
    ]
    assert any("session_started" in source for source in stats["sources"])


async def test_csat_distribution_and_average_per_day(
    client: httpx.AsyncClient, sync_redis: SyncRedis, keys: Keys
) -> None:
    scores = [(5, DAY1 + 10), (4, DAY1 + 20), (1, DAY1 + DAY + 30), (3, DAY1 - 40), (9, DAY1 + 50)]
    add_all(
        sync_redis,
        keys.csat,
        [(at, {"conversation_id": f"conv-{at}", "score": score, "at": at}) for score, at in scores],
    )
    stats = (await client.get(f"{API}/csat", params=PERIOD)).json()
    assert stats["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert (stats["count"], stats["average"], stats["malformed"]) == (3, 3.33, 1)
    assert stats["count_by_bucket"] == [2, 1, 0]
    assert stats["average_by_bucket"] == [4.5, 1.0, None]


async def test_segment_sizes(client: httpx.AsyncClient, sync_redis: SyncRedis, keys: Keys) -> None:
    assert (await client.get(f"{API}/segments")).json()["segments"] == []
    write_fixture(sync_redis, keys)
    overview = (await client.get(f"{API}/segments")).json()
    assert overview["version"] == "run-1"
    assert [(s["id"], s["size"]) for s in overview["segments"]] == [(0, 4), (1, 3), (2, 2)]


async def test_bad_periods_are_refused(client: httpx.AsyncClient) -> None:
    backwards = await client.get(f"{API}/offers", params={"from": "2026-11-22", "to": "2026-11-20"})
    assert backwards.status_code == 400 and backwards.json()["error"] == "from: must be before to"
    assert (await client.get(f"{API}/csat", params={"from": "yesterday"})).status_code == 400
    assert (await client.get(f"{API}/handoffs", params={"from": "2026-11-20T10:00:00"})).status_code == 400
    assert (
        await client.get(f"{API}/offers", params={"from": "2020-01-01", "to": "2026-01-01"})
    ).status_code == 400


def test_default_period_is_the_last_seven_days_by_day() -> None:
    now = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    period = parse_range({}, now)
    assert (period.start, period.end, period.bucket) == (
        datetime(2026, 11, 17, 15, 30, tzinfo=UTC),
        now,
        "day",
    )
    assert len(period.bucket_starts()) == 8  # a partial first and last day
    with pytest.raises(RequestInvalid):
        parse_range({"to": "2026-13-01"}, now)


def test_reasons_are_grouped_without_their_figures() -> None:
    assert reason_groups("sadness and anxiety in 3 of the last 3 messages; 3 fallbacks in a row") == [
        "sadness and anxiety in N of the last N messages",
        "N fallbacks in a row",
    ]
    assert reason_groups("  ") == ["(no reason given)"]


async def test_counting_in_small_chunks_gives_the_same_counts(
    redis: Redis, sync_redis: SyncRedis, keys: Keys
) -> None:
    moments = [DAY1 + 100 * n for n in range(11)]
    add_all(
        sync_redis,
        keys.offer_events,
        [offer("exposure", "a", f"v{n % 2}", at) for n, at in enumerate(moments)],
    )
    period = parse_range(PERIOD, datetime.now(UTC))
    whole = await count_entries(redis, keys.offer_events, period, ("variant",), time_field="ts")
    chunked = await count_entries(redis, keys.offer_events, period, ("variant",), time_field="ts", chunk=3)
    assert whole.counts == chunked.counts == Counter({("v0", "0"): 6, ("v1", "0"): 5})
    assert whole.scanned == chunked.scanned == 11
