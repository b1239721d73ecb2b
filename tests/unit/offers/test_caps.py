"""Caps hold under concurrency: 50 decisions at once, from several engines with their own pools."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.engine import OfferEngine
from actions.offers.events import read_events
from actions.offers.store import RuleStore
from tests.unit.offers.builders import context, rule_data, rule_set

CAPS = {"per_customer": {"max_exposures": 2, "window_days": 1}, "budget": {"max": 7}}


async def test_fifty_concurrent_decisions_never_exceed_the_caps(
    redis_url: str, redis: Redis, keys: Keys
) -> None:
    rules = rule_set(
        rule_data(
            "capped",
            priority=5,
            caps=CAPS,
            variants=[{"id": "a", "message": "A"}, {"id": "b", "message": "B"}],
        )
    )
    await RuleStore(redis, keys).save(rules, "test")
    clients = [Redis.from_url(redis_url) for _ in range(5)]  # five action-server replicas
    try:
        engines = [OfferEngine(client, keys, rng=random.Random(i)) for i, client in enumerate(clients)]
        # 50 decisions from 4 customers: the per-customer cap (2 each, 8 in all) and
        # the budget (7) both bind.
        decisions = await asyncio.gather(
            *(
                engines[n % 5].decide(context(conversation_id=f"c{n}", customer_id=f"C{n % 4}"))
                for n in range(50)
            )
        )
    finally:
        for client in clients:
            await client.aclose()
    shown = [d for d in decisions if d.outcome == "offer"]
    assert len(shown) == 7
    per_customer = Counter(d.exposure.customer_id for d in shown if d.exposure is not None)
    assert max(per_customer.values()) <= 2
    refusals = Counter(d.skipped["capped"] for d in decisions if d.outcome == "none")
    assert sum(refusals.values()) == 43 and set(refusals) <= {"budget", "per_customer"}
    stats = await OfferEngine(redis, keys).variant_stats("capped")
    assert sum(s.exposures for s in stats) == 7
    assert len([e for e in await read_events(redis, keys) if e.type == "exposure"]) == 7


async def test_fifty_concurrent_acceptances_never_exceed_an_acceptance_budget(
    redis: Redis, keys: Keys
) -> None:
    rules = rule_set(rule_data("r", caps={"budget": {"max": 5, "counts": "acceptances"}}))
    await RuleStore(redis, keys).save(rules, "test")
    engine = OfferEngine(redis, keys)
    decisions = await asyncio.gather(*(engine.decide(context(conversation_id=f"c{n}")) for n in range(50)))
    exposures = [d.exposure for d in decisions if d.exposure is not None]
    assert len(exposures) == 50  # nobody had accepted yet
    accepted = await asyncio.gather(*(engine.record_accept(e) for e in exposures))
    assert sum(accepted) == 5
    [stats] = await engine.variant_stats("r")
    assert stats.accepts == 5
    assert (await engine.decide(context(conversation_id="after"))).skipped == {"r": "budget"}


async def test_control_holds_respect_caps_but_spend_no_budget(redis: Redis, keys: Keys) -> None:
    caps = {"per_customer": {"max_exposures": 1, "window_days": 30}, "budget": {"max": 3}}
    await RuleStore(redis, keys).save(rule_set(rule_data("r", caps=caps, control_share=0.5)), "test")
    engine = OfferEngine(redis, keys)
    outcomes = [
        (await engine.decide(context(conversation_id=f"c{n}", customer_id=f"C{n}"))).outcome
        for n in range(40)
    ]
    assert outcomes.count("offer") == 3  # the budget counts offers shown, not holds
    last_offer = max(i for i, outcome in enumerate(outcomes) if outcome == "offer")
    holds = [i for i, outcome in enumerate(outcomes) if outcome == "control"]
    # A hold stands for a customer who would have seen the offer: none once the budget is spent.
    assert holds and max(holds) < last_offer
    assert set(outcomes[last_offer + 1 :]) == {"none"}
    repeat = await engine.decide(context(conversation_id="again", customer_id="C0"))
    assert repeat.outcome == "none" and repeat.skipped["r"] in ("per_customer", "budget")
