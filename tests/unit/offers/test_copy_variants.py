"""Variants written for a segment: validated like rule conditions, offered only to its customers."""

from __future__ import annotations

import random

import pytest
from redis.asyncio import Redis

from actions.errors import OfferRulesInvalid
from actions.keys import Keys
from actions.offers.engine import OfferEngine
from actions.offers.store import RuleStore
from tests.unit.offers.builders import context, make_rule, rule_data, rule_set

LAPSED = "lapsed, occasional"
REGULARS = "frequent, high-value, recently active"
RULE = rule_data(
    "win-back",
    variants=[
        {"id": "everyone", "message": "15% off with COMEBACK15.", "discount_code": "COMEBACK15"},
        {"id": "lapsed-1", "message": "We've missed you: 15% off with COMEBACK15.",
         "discount_code": "COMEBACK15", "segments": ["lapsed"]},
    ],
)  # fmt: skip


def test_variant_segments_are_validated_and_errors_name_the_field() -> None:
    variant = make_rule(variants=[{"id": "a", "message": "m", "segments": [2, "lapsed"]}]).variants[0]
    assert variant.segments == ["2", "lapsed"]
    assert make_rule().variants[0].segments is None
    with pytest.raises(OfferRulesInvalid) as empty:
        rule_set(rule_data(variants=[{"id": "a", "message": "m", "segments": []}]))
    assert empty.value.problems == ["rules[0].variants[0].segments: must not be empty"]
    with pytest.raises(OfferRulesInvalid) as blank:
        rule_set(
            rule_data(variants=[{"id": "a", "message": "m"}, {"id": "b", "message": "m", "segments": [""]}])
        )
    assert blank.value.problems == ["rules[0].variants[1].segments[0]: must not be empty"]


async def _engine(redis: Redis, keys: Keys, *rules: dict[str, object]) -> OfferEngine:
    await RuleStore(redis, keys).save(rule_set(*rules), "test")
    return OfferEngine(redis, keys, rng=random.Random(3))


async def test_a_segments_variant_competes_only_for_that_segments_customers(redis: Redis, keys: Keys) -> None:
    engine = await _engine(redis, keys, RULE)
    lapsed, regulars = set(), set()
    for n in range(30):
        for seen, label in ((lapsed, LAPSED), (regulars, REGULARS)):
            decision = await engine.decide(
                context(
                    conversation_id=f"{label}-{n}",
                    customer_id=f"C{label[:3]}{n}",
                    segment="1",
                    segment_label=label,
                )
            )
            assert decision.offer is not None
            seen.add(decision.offer.variant_id)
    # The bandit allocates among the eligible variants: both for lapsed customers, one for the rest.
    assert lapsed == {"everyone", "lapsed-1"}
    assert regulars == {"everyone"}


async def test_a_variant_is_matched_by_segment_id_too(redis: Redis, keys: Keys) -> None:
    by_id = rule_data("by-id", variants=[{"id": "only", "message": "m", "segments": ["4"]}])
    engine = await _engine(redis, keys, by_id)
    hit = await engine.decide(context(segment="4", segment_label="new"))
    assert hit.offer is not None and hit.offer.variant_id == "only"


async def test_a_rule_with_no_variant_for_the_customers_segment_is_skipped(redis: Redis, keys: Keys) -> None:
    only_lapsed = rule_data(
        "only-lapsed", variants=[{"id": "lapsed-1", "message": "m", "segments": ["lapsed"]}]
    )
    engine = await _engine(redis, keys, only_lapsed)
    decision = await engine.decide(context(segment="0", segment_label=REGULARS))
    assert decision.outcome == "none"
    assert decision.skipped == {"only-lapsed": "variants"}
    anonymous = await engine.decide(context(customer_id=None, conversation_id="anon"))
    assert anonymous.skipped == {"only-lapsed": "variants"}
