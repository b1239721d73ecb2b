"""Offer decision latency: OfferEngine.decide() over ~20 rules against real Redis.

    python -m benchmarks.offer_decisions [--decisions 2000] [--rules 20] [--concurrency 1 10]
        [--redis-url redis://127.0.0.1:6379/13]

Builds a realistic rule set (upsells and service recovery with segment, intent,
topic, emotion, sentiment, value, channel, date-window and stock conditions,
A/B variants, caps and control groups), loads the demo catalogue for the stock
checks, then times each decision as the action server makes it: the version
GET, conditions, the stock check through StoreRepository, the bandit counters
and the atomic cap script. Writes under a throwaway prefix in the given
database and deletes those keys afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from redis.asyncio import Redis

from actions.offers.context import OfferContext
from actions.offers.engine import OfferEngine
from actions.offers.stock import CatalogueStock
from actions.offers.store import RuleStore
from actions.offers.validation import parse_rule_set
from actions.store.repository import StoreRepository
from offer_eval.scratch import delete_scratch, scratch_keys
from seed.generate import generate

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
INTENTS = [
    "product_question",
    "check_order_status",
    "shipping_question",
    "ask_refund",
    "greet",
    "thank",
    "complaint",
    "request_return",
    "payment_problem",
    "account_help",
]
TOPICS = [
    "electronics",
    "home & kitchen",
    "clothing",
    "shoes",
    "beauty",
    "books",
    "garden",
    "pet supplies",
    "shipping",
    "returns",
]
EMOTIONS = ["neutral"] * 11 + ["joy"] * 4 + ["surprise", "anger", "anger", "sadness", "fear"]
LABELS = [
    "frequent, high-value, recently active",
    "occasional, low-spend",
    "lapsed, voucher-driven",
    "new, small baskets",
    "frequent, big baskets, electronics",
]


def benchmark_rules(count: int, rng: random.Random, in_stock_ids: list[str]) -> list[dict[str, Any]]:
    """``count`` rules with a realistic mix of conditions, variants, caps and control groups."""
    today = datetime.now(UTC).date()
    rules: list[dict[str, Any]] = []
    for n in range(count):
        recovery = n % 7 == 0
        conditions: dict[str, Any] = {}
        picks = rng.sample(
            [
                "segments",
                "intents",
                "topics",
                "emotions",
                "sentiment",
                "value",
                "cart",
                "channels",
                "window",
                "stock",
                "tenure",
                "signed_in",
            ],
            k=rng.randint(1, 4),
        )
        if recovery:
            conditions["unhappy"] = True
        if "segments" in picks:
            conditions["segments"] = rng.sample(["0", "high value", "lapsed", "new", "electronics"], k=2)
        if "intents" in picks:
            conditions["intents"] = rng.sample(INTENTS, k=3)
        if "topics" in picks:
            conditions["topics"] = rng.sample(TOPICS, k=2)
        if "emotions" in picks and not recovery:
            conditions["emotions"] = ["joy", "neutral", "surprise"]
        if "sentiment" in picks and not recovery:
            conditions["sentiment_min"] = 0.0
        if "value" in picks:
            conditions["customer_value_min"] = rng.choice([100, 300, 500])
        if "cart" in picks:
            low = rng.choice([20, 35, 60])
            conditions.update(cart_value_min=low, cart_value_max=low + 40)
        if "channels" in picks:
            conditions["channels"] = ["socketio"]
        if "window" in picks:
            conditions.update(
                start=today - timedelta(days=10), end=today + timedelta(days=rng.choice([-1, 20]))
            )
        if "stock" in picks:
            conditions["in_stock"] = rng.sample(in_stock_ids, k=2)
        if "tenure" in picks:
            conditions["tenure_days_max"] = 60
        if "signed_in" in picks:
            conditions["signed_in_only"] = True
        variants = [
            {"id": f"v{k}", "message": f"Offer {n} variant {k}", "discount_code": f"CODE{n}X{k}"}
            for k in range(rng.randint(1, 3))
        ]
        rules.append(
            {
                "id": f"rule-{n:02d}",
                "name": f"Benchmark rule {n}",
                "priority": rng.randint(0, 100),
                "kind": "service_recovery" if recovery else "upsell",
                "conditions": conditions,
                "variants": variants,
                "caps": {
                    "per_customer": {"max_exposures": rng.choice([1, 3, 10]), "window_days": 7},
                    **({"budget": {"max": 100_000}} if n % 3 == 0 else {}),
                },
                "control_share": rng.choice([0.0, 0.0, 0.05, 0.1]),
            }
        )
    return rules


def random_context(rng: random.Random, n: int) -> OfferContext:
    """One turn of a simulated conversation."""
    signed_in = rng.random() < 0.75
    segment = rng.randrange(len(LABELS))
    emotion = rng.choice(EMOTIONS)
    return OfferContext(
        conversation_id=f"bench-{n}",
        customer_id=f"C{10000 + rng.randrange(2400)}" if signed_in else None,
        segment=str(segment) if signed_in else None,
        segment_label=LABELS[segment] if signed_in else None,
        intent=rng.choice(INTENTS),
        topic=rng.choice(TOPICS),
        emotion=emotion,
        sentiment=max(-1.0, min(1.0, rng.gauss(-0.5 if emotion in ("anger", "sadness") else 0.2, 0.3))),
        upsell_allowed=emotion not in ("anger", "sadness", "fear"),
        in_complaint=rng.random() < 0.05,
        customer_value=rng.choice([None, rng.uniform(0, 2000)]) if signed_in else None,
        tenure_days=rng.randint(0, 1000) if signed_in else None,
        cart_value=rng.choice([None, rng.uniform(5, 150)]),
        channel=rng.choice(["socketio", "socketio", "rest"]),
    )


async def _timed(
    engine: OfferEngine, contexts: list[OfferContext], concurrency: int
) -> tuple[list[float], dict[str, int]]:
    latencies: list[float] = []
    outcomes: dict[str, int] = {}

    async def one(context: OfferContext) -> None:
        started = time.perf_counter()
        decision = await engine.decide(context)
        latencies.append(time.perf_counter() - started)
        outcomes[decision.outcome] = outcomes.get(decision.outcome, 0) + 1

    for start in range(0, len(contexts), concurrency):
        await asyncio.gather(*(one(c) for c in contexts[start : start + concurrency]))
    return latencies, outcomes


async def _run(args: argparse.Namespace) -> None:
    redis = Redis.from_url(args.redis_url)
    keys = scratch_keys("bench-offers")
    try:
        store = generate(7, date.today())
        await redis.hset(keys.products, mapping={p.id: p.model_dump_json() for p in store.products})
        await redis.hset(keys.meta, mapping={"version": "bench"})
        rng = random.Random(args.seed)
        in_stock_ids = [p.id for p in store.products if p.in_stock]
        rules = parse_rule_set(benchmark_rules(args.rules, rng, in_stock_ids))
        rule_store = RuleStore(redis, keys)
        await rule_store.save(rules, "benchmark")
        engine = OfferEngine(
            redis, keys, CatalogueStock(StoreRepository(redis, keys)), rng=random.Random(args.seed)
        )
        for n in range(200):  # warm-up: scripts loaded, catalogue parsed, pool filled
            await engine.decide(random_context(rng, -n - 1))
        print(
            f"offer decisions: {args.rules} rules ({sum(r.kind == 'service_recovery' for r in rules.rules)} "
            f"service recovery, {sum(len(r.variants) > 1 for r in rules.rules)} with A/B variants, "
            f"{sum(bool(r.conditions.in_stock) for r in rules.rules)} with stock conditions), "
            f"{args.decisions:,} decisions each, Redis {args.redis_url}"
        )
        print(
            f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print(f"{'concurrency':>12} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  outcomes")
        for concurrency in args.concurrency:
            contexts = [random_context(rng, concurrency * 100_000 + n) for n in range(args.decisions)]
            latencies, outcomes = await _timed(engine, contexts, concurrency)
            p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) * 1000
            print(
                f"{concurrency:>12} {p50:>8.2f} {p95:>8.2f} {p99:>8.2f} "
                f"{max(latencies) * 1000:>8.2f}  {outcomes}"
            )
        reloads = []
        for n in range(20):
            await rule_store.disable(rules.rules[n % len(rules.rules)].id, "benchmark")
            started = time.perf_counter()
            await engine.decide(random_context(rng, 10_000_000 + n))
            reloads.append(time.perf_counter() - started)
        print(
            f"first decision after a rule change (reload + compile of {args.rules} rules): "
            f"p50 {np.percentile(reloads, 50) * 1000:.2f} ms, max {max(reloads) * 1000:.2f} ms"
        )
    finally:
        await delete_scratch(redis, keys)
        await redis.aclose()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.offer_decisions", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"scratch database (default {DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
