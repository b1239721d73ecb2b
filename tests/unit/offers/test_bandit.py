from __future__ import annotations

import random
from collections import Counter

from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.bandit import choose_variant, variant_field
from actions.offers.engine import OfferEngine
from actions.offers.store import RuleStore
from tests.unit.offers.builders import context, make_rule, rule_data, rule_set

THREE = [{"id": "a", "message": "A"}, {"id": "b", "message": "B"}, {"id": "c", "message": "C"}]


def _stats(**counts: tuple[int, int]) -> dict[str, int]:
    stats = {}
    for variant, (exposures, accepts) in counts.items():
        stats[variant_field(variant, "exposures")] = exposures
        stats[variant_field(variant, "accepts")] = accepts
    return stats


def test_thompson_sampling_favours_the_variant_with_more_acceptances() -> None:
    rule = make_rule("r", variants=THREE)
    stats = _stats(a=(200, 10), b=(200, 60), c=(200, 20))
    rng = random.Random(42)
    picks = Counter(choose_variant(rule, stats, None, rng).id for _ in range(500))
    assert picks["b"] >= 490


def test_thompson_sampling_explores_while_it_knows_little() -> None:
    rule = make_rule("r", variants=THREE)
    rng = random.Random(42)
    picks = Counter(choose_variant(rule, {}, None, rng).id for _ in range(300))
    assert min(picks.values()) >= 60  # no data: every variant gets its turn


def test_the_same_seed_gives_the_same_choices() -> None:
    rule = make_rule("r", variants=THREE)
    stats = _stats(a=(20, 3), b=(20, 4), c=(20, 2))
    rng_a, rng_b = random.Random(5), random.Random(5)
    first = [choose_variant(rule, stats, None, rng_a).id for _ in range(50)]
    assert first == [choose_variant(rule, stats, None, rng_b).id for _ in range(50)]
    assert len(set(first)) > 1  # close results: still exploring


def test_weighted_allocation_is_a_fixed_split_by_weight() -> None:
    rule = make_rule(
        "r",
        allocation="weighted",
        variants=[{"id": "a", "message": "A", "weight": 3}, {"id": "b", "message": "B", "weight": 1}],
    )
    stats = _stats(a=(100, 0), b=(100, 100))  # a fixed split ignores results
    rng = random.Random(1)
    picks = Counter(choose_variant(rule, stats, None, rng).id for _ in range(4000))
    assert 0.72 <= picks["a"] / 4000 <= 0.78


def test_learning_is_per_segment() -> None:
    rule = make_rule("r", variants=THREE[:2])
    stats = {
        variant_field("a", "exposures", "0"): 100,
        variant_field("a", "accepts", "0"): 40,
        variant_field("b", "exposures", "0"): 100,
        variant_field("b", "accepts", "0"): 5,
        variant_field("a", "exposures", "1"): 100,
        variant_field("a", "accepts", "1"): 5,
        variant_field("b", "exposures", "1"): 100,
        variant_field("b", "accepts", "1"): 40,
    }
    rng = random.Random(3)
    assert Counter(choose_variant(rule, stats, "0", rng).id for _ in range(200))["a"] >= 195
    assert Counter(choose_variant(rule, stats, "1", rng).id for _ in range(200))["b"] >= 195


async def test_the_engine_learns_the_better_variant_from_acceptances(redis: Redis, keys: Keys) -> None:
    await RuleStore(redis, keys).save(rule_set(rule_data("r", variants=THREE)), "test")
    engine = OfferEngine(redis, keys, rng=random.Random(11))
    customers = random.Random(12)
    hidden = {"a": 0.05, "b": 0.35, "c": 0.10}
    late: Counter[str] = Counter()
    for n in range(600):
        decision = await engine.decide(context(conversation_id=f"c{n}", customer_id=f"C{n}", segment="1"))
        assert decision.offer is not None and decision.exposure is not None
        if n >= 400:
            late[decision.offer.variant_id] += 1
        if customers.random() < hidden[decision.offer.variant_id]:
            await engine.record_accept(decision.exposure)
    assert late["b"] >= 170  # of the last 200 exposures
    stats = {s.variant_id: s for s in await engine.variant_stats("r", segment="1")}
    assert stats["b"].exposures > stats["a"].exposures + stats["c"].exposures
