"""Synthetic customers with hidden acceptance probabilities, offered a rule's variants by the real engine.

Every policy sees the same customers in the same order, each with the same
random draw ``u``: a customer accepts variant ``v`` when ``u < p[segment][v]``
(common random numbers). So policies differ only by the variants they choose,
and a policy can never beat the per-segment oracle on any single customer.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.context import OfferContext
from actions.offers.engine import OfferEngine
from actions.offers.store import RuleStore
from actions.offers.validation import parse_rule_set


@dataclass(frozen=True)
class Population:
    """Customer segments, their share of traffic and their hidden acceptance probability per variant."""

    shares: dict[str, float]
    accept: dict[str, dict[str, float]]
    customers_per_segment: int = 500

    @property
    def variants(self) -> list[str]:
        """The variant ids, in the order of the first segment."""
        return list(next(iter(self.accept.values())))

    def expected_rate(self, choice: dict[str, str]) -> float:
        """Compute the acceptance rate of always showing ``choice[segment]``."""
        return sum(share * self.accept[s][choice[s]] for s, share in self.shares.items())

    def oracle(self) -> dict[str, str]:
        """Name the best variant of each segment: what an all-knowing policy shows."""
        return {
            s: max(probabilities, key=probabilities.__getitem__) for s, probabilities in self.accept.items()
        }

    def best_single_variant(self) -> str:
        """Name the one variant that does best across all segments together."""
        return max(self.variants, key=lambda v: self.expected_rate({s: v for s in self.shares}))


# Three segments whose best variants differ: 10% off suits bargain hunters, free
# express shipping suits regulars, the gift idea suits new customers.
DEFAULT_POPULATION = Population(
    shares={"0": 0.5, "1": 0.3, "2": 0.2},
    accept={
        "0": {"percent-off": 0.12, "free-express": 0.05, "gift-idea": 0.08},
        "1": {"percent-off": 0.06, "free-express": 0.15, "gift-idea": 0.10},
        "2": {"percent-off": 0.07, "free-express": 0.04, "gift-idea": 0.20},
    },
)


@dataclass(frozen=True)
class Arrival:
    """One customer turning up: segment, id, and the draw that decides acceptance."""

    segment: str
    customer_id: str
    u: float


def arrivals(population: Population, count: int, seed: int) -> list[Arrival]:
    """Draw the customers every policy is offered, reproducibly from the seed."""
    rng = random.Random(seed)
    segments, weights = list(population.shares), list(population.shares.values())
    result = []
    for _ in range(count):
        segment = rng.choices(segments, weights)[0]
        customer = f"S{segment}-{rng.randrange(population.customers_per_segment):04d}"
        result.append(Arrival(segment, customer, rng.random()))
    return result


@dataclass
class PolicyResult:
    """Cumulative acceptance rate at each checkpoint, and how the policy spread its exposures."""

    name: str
    rates: dict[int, float] = field(default_factory=dict)
    late_choices: dict[str, dict[str, int]] = field(default_factory=dict)
    decision_seconds: list[float] = field(default_factory=list)


def _checkpoint(result: PolicyResult, n: int, accepted: int, checkpoints: list[int]) -> None:
    if n in checkpoints:
        result.rates[n] = accepted / n


def replay_fixed(
    name: str, population: Population, stream: list[Arrival], choice: dict[str, str], checkpoints: list[int]
) -> PolicyResult:
    """Replay the arrivals, always showing ``choice[segment]`` (the oracle or one fixed variant)."""
    result, accepted = PolicyResult(name), 0
    for n, arrival in enumerate(stream, start=1):
        accepted += arrival.u < population.accept[arrival.segment][choice[arrival.segment]]
        _checkpoint(result, n, accepted, checkpoints)
    return result


def simulation_rule(population: Population, allocation: str) -> list[dict[str, object]]:
    """Build the one rule the simulation offers: a variant per hidden column, no caps or control."""
    return [
        {
            "id": "sim-offer",
            "name": "Simulated offer",
            "kind": "upsell",
            "allocation": allocation,
            "variants": [{"id": v, "message": f"Variant {v}"} for v in population.variants],
        }
    ]


async def run_engine(
    redis: Redis,
    keys: Keys,
    name: str,
    allocation: str,
    population: Population,
    stream: list[Arrival],
    checkpoints: list[int],
    seed: int,
) -> PolicyResult:
    """Offer every arrival through ``OfferEngine.decide`` and report acceptances with ``record_accept``.

    Args:
        redis: a scratch database.
        keys: a scratch prefix of its own, so counters of different policies never mix.
        name: how the policy is reported.
        allocation: ``thompson`` (the bandit) or ``weighted`` (equal weights: uniform random).
        population: hidden acceptance probabilities.
        stream: the arrivals, shared by every policy.
        checkpoints: exposure counts at which the cumulative rate is recorded.
        seed: the engine's random source.

    """
    await RuleStore(redis, keys).save(parse_rule_set(simulation_rule(population, allocation)), "offer_eval")
    engine = OfferEngine(redis, keys, rng=random.Random(seed))
    result, accepted = PolicyResult(name), 0
    late_from = len(stream) - min(1000, len(stream))
    now = datetime.now(UTC)
    for n, arrival in enumerate(stream, start=1):
        context = OfferContext(
            conversation_id=f"{name}-{n}", customer_id=arrival.customer_id, segment=arrival.segment, now=now
        )
        started = time.perf_counter()
        decision = await engine.decide(context)
        result.decision_seconds.append(time.perf_counter() - started)
        if decision.offer is None or decision.exposure is None:
            raise RuntimeError(f"simulation rule not offered: {decision.skipped}")
        variant = decision.offer.variant_id
        if n > late_from:
            by_variant = result.late_choices.setdefault(arrival.segment, {})
            by_variant[variant] = by_variant.get(variant, 0) + 1
        if arrival.u < population.accept[arrival.segment][variant]:
            accepted += await engine.record_accept(decision.exposure)
        _checkpoint(result, n, accepted, checkpoints)
    return result
