from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.control import control_position, in_control
from actions.offers.engine import OfferEngine
from actions.offers.events import read_events
from actions.offers.stock import CatalogueStock
from actions.offers.store import RuleStore
from actions.store.models import Product
from actions.store.repository import StoreRepository
from tests.unit.offers.builders import NOW, FixedStock, context, rule_data, rule_set

UPSELL = rule_data("upsell", priority=10)
APOLOGY = rule_data(
    "apology",
    kind="service_recovery",
    priority=1,
    conditions={"unhappy": True},
    variants=[{"id": "sorry", "message": "Sorry! 15% off: SORRY15", "discount_code": "SORRY15"}],
)


async def _engine(redis: Redis, keys: Keys, *rules: dict[str, Any], **kwargs: Any) -> OfferEngine:
    await RuleStore(redis, keys).save(rule_set(*rules), "test")
    return OfferEngine(redis, keys, rng=random.Random(7), **kwargs)


@pytest.mark.parametrize(
    "upset",
    [
        {"emotion": "anger"},
        {"emotion": "sadness"},
        {"emotion": "disgust"},
        {"emotion": "fear"},
        {"sentiment": -0.6},
        {"upsell_allowed": False},
        {"in_complaint": True},
    ],
)
async def test_an_unhappy_customer_gets_no_upsell_but_gets_service_recovery(
    redis: Redis, keys: Keys, upset: dict[str, Any]
) -> None:
    engine = await _engine(redis, keys, UPSELL, APOLOGY)
    decision = await engine.decide(context(**upset))
    assert decision.unhappy
    assert decision.offer is not None and decision.offer.rule_id == "apology"
    assert decision.offer.kind == "service_recovery" and decision.offer.discount_code == "SORRY15"
    assert decision.skipped == {"upsell": "suppressed"}


async def test_an_unhappy_customer_without_a_recovery_rule_gets_nothing(redis: Redis, keys: Keys) -> None:
    engine = await _engine(redis, keys, UPSELL)
    decision = await engine.decide(context(emotion="anger", sentiment=-0.7))
    assert decision.outcome == "none" and decision.offer is None


async def test_a_calm_customer_gets_the_highest_priority_upsell(redis: Redis, keys: Keys) -> None:
    engine = await _engine(
        redis,
        keys,
        rule_data("low", priority=1),
        UPSELL,
        APOLOGY,
        rule_data("off", priority=99, enabled=False),
    )
    decision = await engine.decide(context(emotion="joy", sentiment=0.5))
    assert not decision.unhappy
    assert decision.offer is not None and decision.offer.rule_id == "upsell"
    assert "off" not in decision.skipped  # disabled rules are not even considered


async def test_the_offer_is_the_variants_content_verbatim(redis: Redis, keys: Keys) -> None:
    variant = {
        "id": "v",
        "message": "  Add a charger?  ",
        "discount_code": "CHARGE5",
        "product_ids": ["P0022"],
    }
    engine = await _engine(redis, keys, rule_data("r", variants=[variant]))
    decision = await engine.decide(context(product_ids=("P0022",)))
    assert decision.offer is not None
    assert (decision.offer.message, decision.offer.discount_code, decision.offer.product_ids) == (
        "Add a charger?",
        "CHARGE5",
        ["P0022"],
    )


async def test_a_capped_rule_gives_way_to_the_next_eligible_one(redis: Redis, keys: Keys) -> None:
    engine = await _engine(
        redis,
        keys,
        rule_data("first", priority=5, caps={"budget": {"max": 1}}),
        rule_data("second", priority=1),
    )
    one = await engine.decide(context(conversation_id="c1", customer_id="A"))
    two = await engine.decide(context(conversation_id="c2", customer_id="B"))
    assert one.offer is not None and one.offer.rule_id == "first"
    assert two.offer is not None and two.offer.rule_id == "second"
    assert two.skipped == {"first": "budget"}


async def test_the_per_customer_cap_counts_within_its_window(redis: Redis, keys: Keys) -> None:
    caps = {"per_customer": {"max_exposures": 2, "window_days": 7}}
    engine = await _engine(redis, keys, rule_data("r", caps=caps))
    outcomes = [(await engine.decide(context(conversation_id=f"c{i}", now=NOW))).outcome for i in range(3)]
    assert outcomes == ["offer", "offer", "none"]
    other = await engine.decide(context(customer_id="C99999", now=NOW))
    assert other.outcome == "offer"  # another customer has a cap of their own
    later = await engine.decide(context(conversation_id="c9", now=NOW + timedelta(days=7, seconds=1)))
    assert later.outcome == "offer"  # the first exposures left the window
    anonymous = [
        (await engine.decide(context(customer_id=None, conversation_id="anon"))).outcome for _ in range(3)
    ]
    assert anonymous == ["offer", "offer", "none"]  # an anonymous visitor is capped per conversation


async def test_control_group_is_held_out_deterministically_and_logged(redis: Redis, keys: Keys) -> None:
    engine = await _engine(redis, keys, rule_data("r", control_share=0.3))
    customers = [f"C{n}" for n in range(300)]
    first = {
        c: (await engine.decide(context(customer_id=c, conversation_id=f"{c}-1"))).outcome for c in customers
    }
    again = OfferEngine(redis, keys)  # another process would decide the same
    second = {
        c: (await again.decide(context(customer_id=c, conversation_id=f"{c}-2"))).outcome for c in customers
    }
    assert first == second
    held = [c for c, outcome in first.items() if outcome == "control"]
    assert 60 <= len(held) <= 120  # 30% of 300, give or take
    assert all(in_control("r", f"customer:{c}", 0.3) == (c in held) for c in customers)
    decision = await engine.decide(context(customer_id=held[0], conversation_id="x"))
    assert decision.offer is None and decision.exposure is not None and decision.exposure.control
    controls = [e for e in await read_events(redis, keys, count=10_000) if e.type == "control"]
    assert len(controls) == 2 * len(held) + 1 and all(e.variant == "" for e in controls)
    assert not await engine.record_accept(decision.exposure)


def test_control_positions_differ_between_rules() -> None:
    subjects = [f"customer:C{n}" for n in range(200)]
    a = {s for s in subjects if control_position("rule-a", s) < 0.2}
    b = {s for s in subjects if control_position("rule-b", s) < 0.2}
    assert a != b


async def test_exposures_clicks_and_acceptances_are_streamed(redis: Redis, keys: Keys) -> None:
    engine = await _engine(redis, keys, rule_data("r", variants=[{"id": "a", "message": "A"}]))
    decision = await engine.decide(context(segment="2", conversation_id="conv-9", customer_id=None))
    assert decision.exposure is not None
    assert await engine.record_click(decision.exposure)
    assert await engine.record_accept(decision.exposure)
    assert not await engine.record_accept(decision.exposure)  # counted once per conversation
    events = await read_events(redis, keys)
    assert [e.type for e in events] == ["exposure", "click", "accept"]
    for event in events:
        assert (
            event.rule,
            event.variant,
            event.segment,
            event.conversation,
            event.customer,
            event.version,
        ) == ("r", "a", "2", "conv-9", "anonymous", 1)
        assert event.ts > 0
    assert events[0].entry_id == decision.exposure.event_id
    [stats] = await engine.variant_stats("r")
    assert (stats.exposures, stats.clicks, stats.accepts) == (1, 1, 1)
    [in_segment] = await engine.variant_stats("r", segment="2")
    assert in_segment.accepts == 1


async def test_an_acceptance_budget_stops_honouring_acceptances(redis: Redis, keys: Keys) -> None:
    engine = await _engine(redis, keys, rule_data("r", caps={"budget": {"max": 2, "counts": "acceptances"}}))
    # Three customers see the offer before anyone accepts it.
    shown = [await engine.decide(context(conversation_id=f"c{n}", customer_id=f"C{n}")) for n in range(3)]
    accepted = [await engine.record_accept(d.exposure) for d in shown if d.exposure is not None]
    assert accepted == [True, True, False]
    assert (await engine.decide(context(conversation_id="late"))).skipped == {"r": "budget"}


async def test_a_new_rule_version_takes_effect_on_the_next_decision(redis: Redis, keys: Keys) -> None:
    engine = await _engine(redis, keys, UPSELL)
    assert (await engine.decide(context(conversation_id="a"))).version == 1
    await RuleStore(redis, keys).disable("upsell", "marketer")
    decision = await engine.decide(context(conversation_id="b"))
    assert (decision.version, decision.outcome) == (2, "none")


async def test_in_stock_reads_the_store_catalogue(redis: Redis, keys: Keys) -> None:
    products = {
        "P1": Product(id="P1", name="Charger", category="Electronics", description="d", price=19.99, stock=3),
        "P2": Product(id="P2", name="Cable", category="Electronics", description="d", price=9.99, stock=0),
    }
    await redis.hset(keys.products, mapping={pid: p.model_dump_json() for pid, p in products.items()})
    await redis.hset(keys.meta, mapping={"version": "v1"})
    stock = CatalogueStock(StoreRepository(redis, keys))
    engine = await _engine(
        redis,
        keys,
        rule_data("p1", priority=2, conditions={"in_stock": ["P1"]}),
        rule_data("p2", priority=3, conditions={"in_stock": ["P1", "P2"]}),
        stock=stock,
    )
    decision = await engine.decide(context())
    assert decision.offer is not None and decision.offer.rule_id == "p1"
    assert decision.skipped == {"p2": "in_stock"}


async def test_no_rules_saved_means_no_offer(redis: Redis, keys: Keys) -> None:
    decision = await OfferEngine(redis, keys).decide(context())
    assert (decision.outcome, decision.version, decision.skipped) == ("none", 0, {})


async def test_an_acceptance_can_be_recorded_from_the_slots_alone(redis: Redis, keys: Keys) -> None:
    engine = await _engine(redis, keys, APOLOGY)
    decision = await engine.decide(context(emotion="anger", conversation_id="conv-5", segment="1"))
    assert decision.offer is not None and decision.exposure is not None
    # What the offer_rule and offer_variant slots keep, a turn later:
    exposure = await engine.exposure_for("conv-5", "apology", "sorry", customer_id="C10001", segment="1")
    assert exposure.kind == "service_recovery" and exposure.version == 1
    assert await engine.record_accept(exposure)
    assert not await engine.record_accept(decision.exposure)  # the same acceptance, counted once
    accept = (await read_events(redis, keys))[-1]
    assert (accept.type, accept.rule, accept.variant, accept.kind, accept.segment) == (
        "accept",
        "apology",
        "sorry",
        "service_recovery",
        "1",
    )


PUZZLE_VARIANT = {
    "id": "puzzle",
    "message": "Looking for gifts? A jigsaw puzzle is a favourite.",
    "product_ids": ["P0155"],
}
CATEGORIES = {"P0155": "Toys & Games", "P0022": "Electronics"}


async def test_an_offer_about_products_stays_away_from_other_topics(redis: Redis, keys: Keys) -> None:
    stock = FixedStock({"P0155", "P0022"}, CATEGORIES)
    engine = await _engine(redis, keys, rule_data("gifts", variants=[PUZZLE_VARIANT]), stock=stock)
    smartwatch = await engine.decide(context(topic="Electronics", product_ids=("P0031",)))
    assert smartwatch.offer is None and smartwatch.skipped == {"gifts": "off_topic"}
    toys = await engine.decide(context(conversation_id="conv-2", topic="toys & games"))
    assert toys.offer is not None and toys.offer.rule_id == "gifts"
    the_product = await engine.decide(
        context(conversation_id="conv-3", topic="shipping", product_ids=("P0155",))
    )
    assert the_product.offer is not None


async def test_any_topic_and_product_free_rules_ride_with_any_answer(redis: Redis, keys: Keys) -> None:
    stock = FixedStock({"P0155"}, CATEGORIES)
    everywhere = rule_data("everywhere", variants=[PUZZLE_VARIANT], conditions={"any_topic": True})
    engine = await _engine(redis, keys, everywhere, stock=stock)
    assert (await engine.decide(context(topic="Electronics"))).offer is not None
    plain = rule_data("plain", variants=[{"id": "v", "message": "10% off your next order: THANKS10."}])
    engine = await _engine(redis, keys, plain, stock=stock)
    assert (await engine.decide(context(conversation_id="conv-9", topic="Electronics"))).offer is not None
