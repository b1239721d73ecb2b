"""The results API on counters written by the real offer engine, and who may read it."""

from __future__ import annotations

import time

import httpx
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.events import read_events
from actions.offers.outcomes import compute_outcomes
from tests.unit.web.marketing.offer_history import play, save_rules
from tests.unit.web.marketing.segment_fixture import LABELS, write_fixture
from tests.unit.web.marketing.tiny_app import SignedIn
from web.accounts.models import User

URL = "/api/marketing/stats/results"
RULES: list[dict[str, object]] = [
    {
        "id": "thank-you",
        "name": "Thank-you offer",
        "kind": "upsell",
        "priority": 10,
        "allocation": "weighted",
        "control_share": 0.1,
        "variants": [
            {"id": "ten-percent", "message": "10% off with THANKS10.", "discount_code": "THANKS10"},
            {
                "id": "free-express",
                "message": "Free express shipping with VIPSHIP.",
                "discount_code": "VIPSHIP",
            },
        ],
    },
    {
        "id": "quiet",
        "name": "Never shown",
        "kind": "upsell",
        "enabled": False,
        "variants": [{"id": "only", "message": "Nothing."}],
    },
]


async def test_results_per_rule_segment_and_variant_from_the_engines_counters(
    client: httpx.AsyncClient, redis: Redis, sync_redis: SyncRedis, keys: Keys
) -> None:
    write_fixture(sync_redis, keys)
    await save_rules(redis, keys, RULES)
    # Segment 1 much prefers free express; segment 0 cannot tell them apart yet.
    loyal = await play(redis, keys, "1", 500, {"ten-percent": 0.05, "free-express": 0.30}, seed=11)
    bargain = await play(redis, keys, "0", 40, {"ten-percent": 0.1, "free-express": 0.1}, seed=12)

    response = await client.get(URL)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert (data["credible_level"], data["win_probability"], data["segmentation"]) == (0.95, 0.95, "run-1")
    assert [r["rule"] for r in data["rules"]] == ["thank-you", "quiet"]  # enabled first
    rule = data["rules"][0]

    assert rule["uplift"]["available"] is False
    assert rule["uplift"]["controls"] == loyal.controls + bargain.controls > 0
    assert "not computed yet" in rule["uplift"]["reason"]

    segments = {s["segment"]: s for s in rule["segments"]}
    assert list(segments) == ["0", "1"]
    assert segments["1"]["label"] == LABELS[1]
    by_variant = {v["variant"]: v for v in segments["1"]["variants"]}
    for variant, figures in by_variant.items():
        assert figures["exposures"] == loyal.shown[variant]
        assert figures["accepts"] == loyal.accepted.get(variant, 0)
        assert figures["interval_low"] < figures["acceptance_rate"] < figures["interval_high"]
        assert figures["allocation"] == 0.5  # a weighted split, equal weights
    assert by_variant["free-express"]["probability_best"] > 0.999
    advice = segments["1"]["recommendation"]
    assert advice["verdict"] == "winner"
    assert advice["text"] == (
        f"Variant free-express is best for the segment “{LABELS[1]}” with over 99.9% probability; "
        "retire ten-percent."
    )
    assert segments["0"]["recommendation"]["verdict"] == "more_data"
    assert segments["0"]["recommendation"]["text"].startswith(
        f"Not enough evidence yet for the segment “{LABELS[0]}”: "
    )

    overall = rule["overall"]
    assert overall["label"] == "All customers"
    assert overall["exposures"] == sum(loyal.shown.values()) + sum(bargain.shown.values())
    assert data["rules"][1]["overall"]["recommendation"]["verdict"] == "single_variant"
    assert "keeps no control group" in data["rules"][1]["uplift"]["reason"]


async def test_uplift_from_the_outcomes_job_on_the_engines_events_and_the_customers_orders(
    client: httpx.AsyncClient, redis: Redis, sync_redis: SyncRedis, keys: Keys
) -> None:
    write_fixture(sync_redis, keys)
    await save_rules(redis, keys, RULES[:1])
    played = await play(redis, keys, "1", 600, {"ten-percent": 0.1, "free-express": 0.1}, seed=13)
    # Every exposed customer with an even number buys a day later; the control group never does.
    events = [e for e in await read_events(redis, keys, count=10_000) if e.type in ("exposure", "control")]
    for event in events:
        if event.type == "exposure" and int(event.customer.rsplit("C", 1)[1]) % 2 == 0:
            await redis.zadd(
                keys.customer_orders(event.customer), {f"order-{event.customer}": event.ts + 86400}
            )
    await compute_outcomes(redis, keys, now=time.time() + 8 * 86400)  # every window has ended

    uplift = (await client.get(URL)).json()["rules"][0]["uplift"]
    assert uplift["available"] is True and uplift["window_days"] == 7
    overall = uplift["overall"]
    assert overall["control"]["customers"] == played.controls >= 30 and overall["control"]["converted"] == 0
    assert overall["exposed"]["customers"] == sum(played.shown.values())
    assert overall["verdict"] == "helps" and uplift["text"].startswith(
        "Overall, customers shown the offer bought"
    )
    assert [s["segment"] for s in uplift["segments"]] == ["1"] and uplift["segments"][0]["label"] == LABELS[1]
    assert [c["arm"] for c in overall["comparisons"]] == ["all", "ten-percent", "free-express"]


async def test_without_rules_or_segmentation_the_results_are_empty(client: httpx.AsyncClient) -> None:
    response = await client.get(URL)
    assert response.status_code == 200
    assert response.json()["rules"] == [] and response.json()["segmentation"] is None


async def test_only_marketers_read_the_results(client: httpx.AsyncClient, signed_in: SignedIn) -> None:
    signed_in.user = User(username="sam", display_name="Sam Agent", role="agent")
    assert (await client.get(URL)).status_code == 403
    signed_in.user = None
    assert (await client.get(URL)).status_code == 401
