"""Each kind of condition, through a real decision against Redis: one context that passes, one that fails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.engine import OfferEngine
from actions.offers.store import RuleStore
from tests.unit.offers.builders import NOW, FixedStock, context, rule_data, rule_set

CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("segment id", {"segments": ["2"]}, {"segment": "2"}, {"segment": "3"}),
    (
        "segment label words",
        {"segments": ["high value"]},
        {"segment": "0", "segment_label": "frequent, high-value, recently active"},
        {"segment": "1", "segment_label": "occasional, low-spend"},
    ),
    (
        "segment label is not a substring match",
        {"segments": ["new"]},
        {"segment_label": "lapsed, new"},
        {"segment_label": "renewed interest"},
    ),
    ("unknown segment", {"segments": ["2"]}, {"segment": "2"}, {"segment": None}),
    ("intent", {"intents": ["product_question"]}, {"intent": "product_question"}, {"intent": "greet"}),
    ("topic, any case", {"topics": ["Electronics"]}, {"topic": "electronics"}, {"topic": "garden"}),
    ("emotion", {"emotions": ["joy", "surprise"]}, {"emotion": "surprise"}, {"emotion": "neutral"}),
    ("sentiment range", {"sentiment_min": 0.2, "sentiment_max": 0.8}, {"sentiment": 0.5}, {"sentiment": 0.9}),
    ("customer value", {"customer_value_min": 500}, {"customer_value": 500.0}, {"customer_value": 499.0}),
    (
        "unknown customer value",
        {"customer_value_max": 500},
        {"customer_value": 10.0},
        {"customer_value": None},
    ),
    ("tenure", {"tenure_days_max": 30}, {"tenure_days": 30}, {"tenure_days": 31}),
    (
        "cart value",
        {"cart_value_min": 35, "cart_value_max": 49.99},
        {"cart_value": 40.0},
        {"cart_value": 50.0},
    ),
    ("no cart", {"cart_value_min": 35}, {"cart_value": 35.0}, {"cart_value": None}),
    ("order value", {"order_value_min": 100}, {"order_value": 150.0}, {"order_value": 20.0}),
    ("channel", {"channels": ["socketio"]}, {"channel": "socketio"}, {"channel": "rest"}),
    (
        "date window",
        {"start": date(2026, 12, 1), "end": date(2026, 12, 10)},
        {"now": datetime(2026, 12, 10, 23, 59, tzinfo=UTC)},
        {"now": datetime(2026, 12, 11, 0, 0, tzinfo=UTC)},
    ),
    (
        "window in another timezone",
        {"start": datetime(2026, 12, 10, 11, 0, tzinfo=timezone(timedelta(hours=1)))},
        {"now": NOW},
        {"now": datetime(2026, 12, 10, 9, 59, tzinfo=UTC)},
    ),
    ("signed in only", {"signed_in_only": True}, {"customer_id": "C10001"}, {"customer_id": None}),
    ("only calm customers", {"unhappy": False}, {"sentiment": 0.1}, {"sentiment": -0.4}),
    ("in stock", {"in_stock": ["P1", "P2"]}, {}, {"_stock": {"P1"}}),
]


@pytest.mark.parametrize(
    ("conditions", "passing", "failing"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_condition_decides_whether_the_rule_applies(
    redis: Redis, keys: Keys, conditions: dict[str, Any], passing: dict[str, Any], failing: dict[str, Any]
) -> None:
    await RuleStore(redis, keys).save(rule_set(rule_data("only", conditions=conditions)), "test")
    stock = FixedStock(failing.pop("_stock", {"P1", "P2"}))
    shown = await OfferEngine(redis, keys, FixedStock({"P1", "P2"})).decide(
        context(conversation_id="yes", **passing)
    )
    assert shown.outcome == "offer" and shown.offer is not None and shown.offer.rule_id == "only"
    refused = await OfferEngine(redis, keys, stock).decide(context(conversation_id="no", **failing))
    assert refused.outcome == "none" and "only" in refused.skipped


async def test_service_recovery_for_unhappy_customers_only(redis: Redis, keys: Keys) -> None:
    rules = rule_set(rule_data("sorry", kind="service_recovery", conditions={"unhappy": True}))
    await RuleStore(redis, keys).save(rules, "test")
    engine = OfferEngine(redis, keys)
    assert (await engine.decide(context(emotion="joy", sentiment=0.6))).skipped == {"sorry": "unhappy"}
    assert (await engine.decide(context(emotion="anger"))).outcome == "offer"


async def test_in_stock_rules_without_a_stock_source_never_apply(redis: Redis, keys: Keys) -> None:
    await RuleStore(redis, keys).save(rule_set(rule_data("r", conditions={"in_stock": ["P1"]})), "test")
    decision = await OfferEngine(redis, keys).decide(context())
    assert decision.skipped == {"r": "in_stock"}


async def test_stock_is_not_read_when_no_candidate_needs_it(redis: Redis, keys: Keys) -> None:
    rules = rule_set(
        rule_data("r", conditions={"in_stock": ["P1"], "intents": ["greet"]}), rule_data("plain")
    )
    await RuleStore(redis, keys).save(rules, "test")
    stock = FixedStock({"P1"})
    await OfferEngine(redis, keys, stock).decide(context(intent="goodbye"))
    assert stock.calls == 0
