"""Offer exposures and acceptances made the way the product makes them: ``OfferEngine`` in Redis.

Rules are saved with ``RuleStore``; each simulated customer gets ``OfferEngine.decide``
(the bandit, the control group, the caps, the ledger) and, with the variant's hidden
acceptance probability, ``OfferEngine.record_accept``. Used by the results API test
and the browser test.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.context import OfferContext
from actions.offers.engine import OfferEngine
from actions.offers.store import RuleStore
from actions.offers.validation import parse_rule_set


@dataclass
class Outcomes:
    """What the simulated customers got."""

    shown: dict[str, int] = field(default_factory=dict)
    accepted: dict[str, int] = field(default_factory=dict)
    controls: int = 0


async def save_rules(redis: Redis, keys: Keys, rules: list[dict[str, object]]) -> None:
    """Save the rules as the version in force, as the console does."""
    await RuleStore(redis, keys).save(parse_rule_set(rules), "results-test")


async def play(
    redis: Redis,
    keys: Keys,
    segment: str | None,
    customers: int,
    accept: Mapping[str, float],
    seed: int,
    name: str = "sim",
    channel: str | None = None,
) -> Outcomes:
    """Offer each of ``customers`` new customers in ``segment`` the rules in force.

    Args:
        redis: the database the product reads.
        keys: its key names.
        segment: the customers' segment id (None: unknown).
        customers: how many.
        accept: each variant's probability of being accepted once shown.
        seed: seeds both the engine's bandit and the customers' choices.
        name: distinguishes customers and conversations of different calls.
        channel: the input channel the conversations come from.

    """
    engine = OfferEngine(redis, keys, rng=random.Random(seed))
    choices = random.Random(seed + 1)
    outcomes = Outcomes()
    for n in range(customers):
        context = OfferContext(
            conversation_id=f"{name}-{segment}-{n}",
            customer_id=f"{name}-{segment}-C{n}",
            segment=segment,
            intent="ask_recommendation",
            channel=channel,
        )
        decision = await engine.decide(context)
        if decision.outcome == "control":
            outcomes.controls += 1
            continue
        if decision.offer is None or decision.exposure is None:
            raise AssertionError(f"no offer for {context.conversation_id}: {decision.skipped}")
        variant = decision.offer.variant_id
        outcomes.shown[variant] = outcomes.shown.get(variant, 0) + 1
        if choices.random() < accept[variant] and await engine.record_accept(decision.exposure):
            outcomes.accepted[variant] = outcomes.accepted.get(variant, 0) + 1
    return outcomes
