"""The emerging-topic test: a planted rise is flagged at once; stationary traffic is left alone."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from scipy.stats import binomtest

from actions.insights.emerging import EmergingRule, emerging_topics, rate_rise, volume_flag

DAYS = [(date(2026, 3, 1) + timedelta(days=n)).isoformat() for n in range(60)]


def _stationary(rng: np.random.Generator, rates: list[float], days: list[str]) -> dict[str, dict[str, int]]:
    return {f"t-{n}": {day: int(rng.poisson(rate)) for day in days} for n, rate in enumerate(rates)}


def test_rate_rise_is_the_exact_conditional_binomial_test() -> None:
    rise = rate_rise(20, 1, 70, 28)
    assert rise.expected == pytest.approx(2.5)
    assert rise.ratio == pytest.approx(8.0)
    assert rise.p_value == pytest.approx(binomtest(20, 90, 1 / 29, alternative="greater").pvalue)


@pytest.mark.parametrize("seed", range(20))
def test_a_planted_spike_is_flagged_on_its_first_day(seed: int) -> None:
    rng = np.random.default_rng(seed)
    series = _stationary(rng, [4, 10, 25, 40, 8], DAYS[:35])
    onset = DAYS[34]
    series["t-0"][onset] = 20  # a carrier's late deliveries: five times the usual 4 a day
    flags = emerging_topics(series, onset)
    assert [f.topic_id for f in flags] == ["t-0"]
    flag = flags[0]
    assert flag.day == onset and flag.count == series["t-0"][onset] and flag.baseline_days == 28
    assert flag.ratio >= 2 and flag.p_value < 0.001


def test_thirty_stationary_days_raise_at_most_one_false_alarm() -> None:
    rng = np.random.default_rng(2026)
    worst, total, tests = 0, 0, 0
    for _ in range(50):  # 50 stores of 10 topics, 30 tested days each
        rates = list(rng.choice([2.0, 5.0, 10.0, 20.0, 50.0], size=10))
        series = _stationary(rng, rates, DAYS[:58])
        alarms: dict[str, int] = {}
        for day in DAYS[28:58]:
            for flag in emerging_topics(series, day):
                alarms[flag.topic_id] = alarms.get(flag.topic_id, 0) + 1
            tests += len(series)
        worst = max([worst, *alarms.values()])
        total += sum(alarms.values())
    assert worst <= 1
    assert total / tests * 30 < 0.1  # false alarms per topic and 30 days


def test_a_rise_of_all_traffic_flags_no_topic() -> None:
    rng = np.random.default_rng(4)
    series = _stationary(rng, [5, 10, 20, 40], DAYS[:30])
    for counts in series.values():
        counts[DAYS[29]] *= 3  # a sale triples every subject at once
    assert emerging_topics(series, DAYS[29]) == []


def test_small_counts_and_short_histories_are_not_flagged() -> None:
    counts = {day: 0 for day in DAYS[:28]} | {DAYS[28]: 7}
    totals = {day: 50 for day in DAYS[:29]}
    assert volume_flag("t-1", DAYS[28], counts, totals) is None  # 7 < the minimum count of 8
    counts[DAYS[28]] = 9
    assert volume_flag("t-1", DAYS[28], counts, totals) is not None
    young = {day: 50 for day in DAYS[22:29]}  # only 6 days of traffic before the tested day
    assert volume_flag("t-1", DAYS[28], counts, young) is None


def test_days_without_traffic_are_left_out_of_the_baseline() -> None:
    counts = {day: 2 for day in DAYS[:10]} | {DAYS[27]: 20}
    totals = {day: 40 for day in DAYS[:10]} | {DAYS[27]: 60}
    flag = volume_flag("t-1", DAYS[27], counts, totals, EmergingRule())
    assert flag is not None and flag.baseline_days == 10 and flag.baseline_count == 20
