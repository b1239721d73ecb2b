"""Concurrent decisions against one capped rule: from one event loop, then from several processes at once."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.context import OfferContext
from actions.offers.engine import OfferEngine
from actions.offers.events import read_events
from actions.offers.store import RuleStore
from actions.offers.validation import parse_rule_set


@dataclass(frozen=True)
class CapScenario:
    """A rule's caps and the load thrown at it."""

    name: str
    budget: int
    per_customer: int
    customers: int
    concurrent: int = 50
    processes: int = 1


@dataclass(frozen=True)
class CapOutcome:
    """What the scenario granted, counted three ways (decisions, counters, events)."""

    scenario: CapScenario
    decisions: int
    granted: int
    max_per_customer: int
    counted: int
    events: int

    @property
    def allowed(self) -> int:
        """The most the caps permit: the budget, or every customer's cap if that is less."""
        return min(self.scenario.budget, self.scenario.per_customer * self.scenario.customers)

    @property
    def held(self) -> bool:
        """True when neither cap was exceeded by any count."""
        return (
            max(self.granted, self.counted, self.events) <= self.scenario.budget
            and self.max_per_customer <= self.scenario.per_customer
        )


def _rules(scenario: CapScenario) -> list[dict[str, object]]:
    return [
        {
            "id": "capped",
            "name": "Capped offer",
            "kind": "upsell",
            "variants": [{"id": "a", "message": "A"}, {"id": "b", "message": "B"}],
            "caps": {
                "budget": {"max": scenario.budget},
                "per_customer": {"max_exposures": scenario.per_customer, "window_days": 1},
            },
        }
    ]


async def _decide_burst(
    redis_url: str, prefix: str, worker: int, scenario: CapScenario, start_at: float
) -> list[str | None]:
    """One process's burst of concurrent decisions; returns the customer of each granted exposure."""
    redis = Redis.from_url(redis_url)
    try:
        engine = OfferEngine(redis, Keys(prefix), rng=random.Random(worker))
        await redis.ping()  # connect before the start line
        await asyncio.sleep(max(0.0, start_at - time.time()))
        now = datetime.now(UTC)
        decisions = await asyncio.gather(
            *(
                engine.decide(
                    OfferContext(
                        conversation_id=f"w{worker}-{n}", customer_id=f"C{n % scenario.customers}", now=now
                    )
                )
                for n in range(scenario.concurrent)
            )
        )
        return [d.exposure.customer_id if d.outcome == "offer" and d.exposure else None for d in decisions]
    finally:
        await redis.aclose()


def _process_main(
    redis_url: str, prefix: str, worker: int, scenario: CapScenario, start_at: float
) -> list[str | None]:
    return asyncio.run(_decide_burst(redis_url, prefix, worker, scenario, start_at))


async def run_scenario(redis: Redis, redis_url: str, keys: Keys, scenario: CapScenario) -> CapOutcome:
    """Save the capped rule under ``keys`` and fire the scenario's decisions at it."""
    await RuleStore(redis, keys).save(parse_rule_set(_rules(scenario)), "offer_eval")
    if scenario.processes == 1:
        results = [await _decide_burst(redis_url, keys.prefix, 0, scenario, time.time())]
    else:
        # Spawned processes take a while to import; they all start at the same instant.
        start_at = time.time() + 3.0
        context = multiprocessing.get_context("spawn")
        with context.Pool(scenario.processes) as pool:
            pending = pool.starmap_async(
                _process_main,
                [(redis_url, keys.prefix, w, scenario, start_at) for w in range(scenario.processes)],
            )
            results = await asyncio.to_thread(pending.get, 120)
    granted = [customer for burst in results for customer in burst if customer is not None]
    per_customer = Counter(granted)
    stats = await OfferEngine(redis, keys).variant_stats("capped")
    events = [e for e in await read_events(redis, keys, count=100_000) if e.type == "exposure"]
    return CapOutcome(
        scenario=scenario,
        decisions=sum(len(burst) for burst in results),
        granted=len(granted),
        max_per_customer=max(per_customer.values(), default=0),
        counted=sum(s.exposures for s in stats),
        events=len(events),
    )
