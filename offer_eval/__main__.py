"""python -m offer_eval: whether the offer bandit learns and the caps hold under concurrent decisions.

    python -m offer_eval [--redis-url redis://127.0.0.1:6379/12] [--exposures 10000] [--runs 1] [--seed 7]
    python -m offer_eval --skip-simulation --processes 4      # the cap check alone

(a) Simulation: synthetic customers in 3 segments with hidden acceptance
probabilities for 3 variants are offered the variants by the real OfferEngine
(Thompson sampling, then a uniform random split) against real Redis, and
compared with the best single variant and the per-segment oracle on the same
customers. (b) Caps: bursts of 50 concurrent decisions, from one process and
from several at once, against a rule with a small budget and per-customer cap.

Writes under a throwaway key prefix in the given (scratch) database and deletes
those keys afterwards; the database is never flushed. Exit status 1 if a cap was
exceeded. Decision latency is measured by ``python -m benchmarks.offer_decisions``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys

import numpy as np
from redis.asyncio import Redis

from offer_eval.caps_check import CapOutcome, CapScenario, run_scenario
from offer_eval.scratch import delete_scratch, scratch_keys
from offer_eval.simulation import DEFAULT_POPULATION, PolicyResult, arrivals, replay_fixed, run_engine

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
TARGET_RATIO = 0.90


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m offer_eval", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"scratch database (default {DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--exposures", type=int, default=10_000)
    parser.add_argument(
        "--early", type=int, default=1_000, help="the early checkpoint (default 1,000 exposures)"
    )
    parser.add_argument("--runs", type=int, default=1, help="simulations with seeds seed, seed+1, ...")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--processes", type=int, default=4, help="processes in the multi-process cap check")
    parser.add_argument("--skip-simulation", action="store_true")
    parser.add_argument("--skip-caps", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    redis = Redis.from_url(args.redis_url)
    try:
        if not args.skip_simulation:
            await _simulation(redis, args)
        return 0 if args.skip_caps else await _caps(redis, args)
    finally:
        await redis.aclose()


async def _simulation(redis: Redis, args: argparse.Namespace) -> None:
    population = DEFAULT_POPULATION
    checkpoints = sorted({min(args.early, args.exposures), args.exposures})
    print(
        f"(a) simulation: {args.exposures:,} exposures x {args.runs} run(s) from seed {args.seed}, "
        f"real OfferEngine on {args.redis_url}"
    )
    print("hidden acceptance probabilities (share of traffic):")
    for segment, probabilities in population.accept.items():
        cells = "  ".join(f"{v} {p:.2f}" for v, p in probabilities.items())
        print(f"  segment {segment} ({population.shares[segment]:.0%}): {cells}")
    oracle, single = population.oracle(), population.best_single_variant()
    runs: list[dict[str, PolicyResult]] = []
    for run in range(args.runs):
        seed = args.seed + run
        stream = arrivals(population, args.exposures, seed)
        results = {}
        for name, allocation in (("thompson", "thompson"), ("uniform", "weighted")):
            keys = scratch_keys(f"offer-eval-{name}")
            try:
                results[name] = await run_engine(
                    redis, keys, name, allocation, population, stream, checkpoints, seed
                )
            finally:
                await delete_scratch(redis, keys)
        results["single"] = replay_fixed(
            "single", population, stream, dict.fromkeys(oracle, single), checkpoints
        )
        results["oracle"] = replay_fixed("oracle", population, stream, oracle, checkpoints)
        runs.append(results)

    labels = {
        "thompson": "Thompson sampling (engine)",
        "uniform": "uniform random (engine)",
        "single": f"best single variant ({single})",
        "oracle": "best fixed variant per segment (oracle)",
    }
    header = "".join(f"  after {n:>7,}" for n in checkpoints)
    print(f"\nacceptance rate, mean of {args.runs} run(s){header}   expected")
    expected = {
        "uniform": statistics.mean(
            population.expected_rate(dict.fromkeys(oracle, v)) for v in population.variants
        ),
        "single": population.expected_rate(dict.fromkeys(oracle, single)),
        "oracle": population.expected_rate(oracle),
    }
    for name, label in labels.items():
        rates = "".join(f"  {statistics.mean(r[name].rates[n] for r in runs):>13.4f}" for n in checkpoints)
        print(f"  {label:<42}{rates}   {expected[name]:.4f}" if name in expected else f"  {label:<42}{rates}")
    for n in checkpoints:
        ratios = [r["thompson"].rates[n] / r["oracle"].rates[n] for r in runs]
        vs_single = [r["thompson"].rates[n] / r["single"].rates[n] for r in runs]
        print(
            f"bandit / oracle after {n:,}: {statistics.mean(ratios):.3f} "
            f"(runs: {min(ratios):.3f}-{max(ratios):.3f})"
            f"; bandit / best single variant: {statistics.mean(vs_single):.3f}"
        )
    final = [r["thompson"].rates[args.exposures] / r["oracle"].rates[args.exposures] for r in runs]
    verdict = "met" if statistics.mean(final) >= TARGET_RATIO else "NOT met"
    print(f"target bandit / oracle >= {TARGET_RATIO:.2f} after {args.exposures:,}: {verdict}")
    last = runs[-1]["thompson"]
    print(f"Thompson's choices in its last {min(1000, args.exposures):,} exposures (run {args.runs}):")
    for segment in population.accept:
        chosen = last.late_choices.get(segment, {})
        total = sum(chosen.values()) or 1
        shares = "  ".join(f"{v} {chosen.get(v, 0) / total:.0%}" for v in population.variants)
        print(f"  segment {segment}: {shares}   (best: {oracle[segment]})")
    seconds = [s for r in runs for s in r["thompson"].decision_seconds]
    p50, p95 = np.percentile(seconds, [50, 95]) * 1000
    print(f"decide() during the simulation (1 rule, sequential): p50 {p50:.2f} ms, p95 {p95:.2f} ms")


async def _caps(redis: Redis, args: argparse.Namespace) -> int:
    scenarios = [
        CapScenario("budget binds", budget=10, per_customer=3, customers=10),
        CapScenario("per-customer cap binds", budget=40, per_customer=2, customers=5),
        CapScenario(
            f"budget, {args.processes} processes",
            budget=25,
            per_customer=3,
            customers=20,
            processes=args.processes,
        ),
        CapScenario(
            f"per-customer, {args.processes} processes",
            budget=500,
            per_customer=2,
            customers=8,
            processes=args.processes,
        ),
    ]
    print("\n(b) caps: bursts of 50 concurrent decisions (asyncio.gather) per process, one rule")
    print(
        f"  {'scenario':<28}{'decisions':>10}{'granted':>9}{'budget':>8}{'allowed':>9}"
        f"{'max/cust':>10}{'cap':>5}{'counters':>10}{'events':>8}  held"
    )
    outcomes: list[CapOutcome] = []
    for scenario in scenarios:
        keys = scratch_keys("offer-eval-caps")
        try:
            outcome = await run_scenario(redis, args.redis_url, keys, scenario)
        finally:
            await delete_scratch(redis, keys)
        outcomes.append(outcome)
        print(
            f"  {scenario.name:<28}{outcome.decisions:>10}{outcome.granted:>9}{scenario.budget:>8}"
            f"{outcome.allowed:>9}{outcome.max_per_customer:>10}{scenario.per_customer:>5}"
            f"{outcome.counted:>10}{outcome.events:>8}  {'yes' if outcome.held else 'NO'}"
        )
    held = all(o.held for o in outcomes)
    print("caps held in every scenario" if held else "A CAP WAS EXCEEDED")
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
