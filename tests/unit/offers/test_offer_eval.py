"""Smoke runs of python -m offer_eval: small, but through the real engine and Redis."""

from __future__ import annotations

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from offer_eval.__main__ import main
from offer_eval.caps_check import CapScenario, run_scenario
from offer_eval.scratch import delete_scratch, scratch_keys
from offer_eval.simulation import DEFAULT_POPULATION, arrivals, replay_fixed


def test_the_oracle_is_never_beaten_on_the_same_customers() -> None:
    stream = arrivals(DEFAULT_POPULATION, 2000, seed=3)
    oracle = DEFAULT_POPULATION.oracle()
    best = replay_fixed("oracle", DEFAULT_POPULATION, stream, oracle, [2000])
    for variant in DEFAULT_POPULATION.variants:
        fixed = replay_fixed(variant, DEFAULT_POPULATION, stream, dict.fromkeys(oracle, variant), [2000])
        assert fixed.rates[2000] <= best.rates[2000]
    assert oracle == {"0": "percent-off", "1": "free-express", "2": "gift-idea"}


def test_a_short_evaluation_prints_its_figures_and_leaves_no_keys(
    redis_client: SyncRedis, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--redis-url", redis_url, "--exposures", "300", "--early", "100", "--processes", "1"]) == 0
    out = capsys.readouterr().out
    assert "Thompson sampling (engine)" in out and "bandit / oracle after 300" in out
    assert "caps held in every scenario" in out
    assert redis_client.dbsize() == 0


async def test_the_cap_scenario_never_grants_more_than_the_caps(redis: Redis, redis_url: str) -> None:
    keys = scratch_keys("test-caps")
    try:
        outcome = await run_scenario(
            redis, redis_url, keys, CapScenario("t", budget=6, per_customer=2, customers=10)
        )
    finally:
        await delete_scratch(redis, keys)
    assert (outcome.decisions, outcome.granted, outcome.counted, outcome.events) == (50, 6, 6, 6)
    assert outcome.max_per_customer <= 2 and outcome.held
