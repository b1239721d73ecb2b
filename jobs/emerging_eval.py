"""Emerging-topic detection measured on simulated demo histories: days from onset to flag, false alarms.

Each seed simulates ``days`` days of the demo history's traffic (``seed/history/volume.py``:
its subjects, weekday pattern, store-wide and per-subject overdispersed noise) with the
planted subject rising ``jump`` times from a known onset day. Every day from the first one
the product could flag (``min_baseline_days`` of history), the real test
(``actions/insights/emerging.py``, ``emerging_topics``) runs on the messages per subject and
day (``--unit conversations``: distinct conversations instead), as the topics job runs it each day.
Subjects stand in for topics: this measures the
test, not the clustering (the integration test checks that the topics job flags the
planted topic end to end).

Reported: for the planted subject, the days from onset to its first flag (0: flagged on
the onset day) and whether it was flagged before the onset; for every other subject,
false alarms per topic and 30 days, and for the whole store (all steady topics) per 30 days.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from actions.insights.emerging import EmergingRule, emerging_topics
from seed.history.subjects import Emerging, Subject, load_subjects
from seed.history.volume import simulate

FIRST_DAY = date(2026, 1, 5)  # a Monday; only weekdays matter to the traffic model
# What is counted per topic and day: the job tests messages; conversations are the alternative measured.
Unit = Literal["messages", "conversations"]


@dataclass(frozen=True)
class SeedResult:
    """One simulated history's outcome."""

    seed: int
    days_to_flag: int | None
    flagged_before_onset: int
    false_alarms: int
    steady_topic_days: int
    tested_days: int


@dataclass
class EvaluationResult:
    """All seeds of one setting."""

    jump: float
    rate: float
    onset: int
    days: int
    unit: Unit = "conversations"
    seeds: list[SeedResult] = field(default_factory=list)

    @property
    def flagged_within_one_day(self) -> float:
        """Share of seeds whose planted rise was flagged on its onset day or the day after."""
        hits = [r for r in self.seeds if r.days_to_flag is not None and r.days_to_flag <= 1]
        return len(hits) / len(self.seeds) if self.seeds else 0.0

    @property
    def false_alarms_per_topic_30_days(self) -> float:
        """False flags on steady topics per topic and 30 days."""
        topic_days = sum(r.steady_topic_days for r in self.seeds)
        return 30 * sum(r.false_alarms for r in self.seeds) / topic_days if topic_days else 0.0

    @property
    def false_alarms_per_store_30_days(self) -> float:
        """False flags on all steady topics of the store together per 30 days."""
        days = sum(r.tested_days for r in self.seeds)
        return 30 * sum(r.false_alarms for r in self.seeds) / days if days else 0.0

    def lines(self) -> list[str]:
        """Printable summary."""
        delays = [r.days_to_flag for r in self.seeds if r.days_to_flag is not None]
        missed = sum(1 for r in self.seeds if r.days_to_flag is None)
        early = sum(r.flagged_before_onset for r in self.seeds)
        median = f"{statistics.median(delays):g}" if delays else "-"
        return [
            f"planted rise x{self.jump:g} of a subject at {self.rate:g} conversations/day, onset day "
            f"{self.onset} of {self.days}, {len(self.seeds)} seeds, {self.unit} counted:",
            f"  days from onset to flag: median {median}, max {max(delays) if delays else '-'}, "
            f"never flagged {missed}; flagged within 1 day: {self.flagged_within_one_day:.0%}",
            f"  flags of the planted subject before its onset: {early}",
            f"  false alarms on steady topics: {sum(r.false_alarms for r in self.seeds)} in "
            f"{sum(r.steady_topic_days for r in self.seeds)} topic-days = "
            f"{self.false_alarms_per_topic_30_days:.3f} per topic per 30 days, "
            f"{self.false_alarms_per_store_30_days:.2f} per 30 days store-wide",
            "  per seed (days to flag / false alarms): "
            + ", ".join(
                f"{r.days_to_flag if r.days_to_flag is not None else '-'}/{r.false_alarms}"
                for r in self.seeds
            ),
        ]


def with_rise(subjects: Sequence[Subject], jump: float | None, rate: float | None) -> list[Subject]:
    """The demo subjects with the planted subject's jump and base rate replaced where given."""
    out = []
    for subject in subjects:
        if subject.emerging is not None:
            update: dict[str, object] = {}
            if jump is not None:
                update["emerging"] = Emerging(
                    jump=jump, onset_days_before_end=subject.emerging.onset_days_before_end
                )
            if rate is not None:
                update["rate"] = rate
            subject = subject.model_copy(update=update)
        out.append(subject)
    return out


def evaluate_seed(
    subjects: Sequence[Subject],
    days: int,
    onset: int,
    seed: int,
    rule: EmergingRule,
    unit: Unit = "conversations",
) -> SeedResult:
    """Simulate one history and run the test on every day the product could flag."""
    traffic = simulate(subjects, days, FIRST_DAY.weekday(), seed, onset=onset)
    names = [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(days)]
    per_day = traffic.messages() if unit == "messages" else traffic.conversations_per_day()
    series = {subject: dict(zip(names, counts, strict=True)) for subject, counts in per_day.items()}
    planted = next(s.id for s in subjects if s.emerging is not None)
    series.setdefault(planted, {})
    steady = [s for s in series if s != planted]
    first_flag: int | None = None
    early = false_alarms = tested = 0
    for day in range(rule.min_baseline_days, days):
        flagged = {flag.topic_id for flag in emerging_topics(series, names[day], rule)}
        tested += 1
        false_alarms += len(flagged - {planted})
        if planted in flagged:
            if day < onset:
                early += 1
            elif first_flag is None:
                first_flag = day - onset
    return SeedResult(seed, first_flag, early, false_alarms, tested * len(steady), tested)


def evaluate(
    seeds: Sequence[int],
    days: int = 60,
    onset: int | None = None,
    jump: float | None = None,
    rate: float | None = None,
    rule: EmergingRule | None = None,
    unit: Unit = "conversations",
) -> EvaluationResult:
    """Every seed's history with the planted rise at ``onset`` (default: ``days - 10``)."""
    rule = rule or EmergingRule()
    subjects = with_rise(load_subjects(), jump, rate)
    planted = next(s for s in subjects if s.emerging is not None)
    assert planted.emerging is not None
    onset = days - 10 if onset is None else onset
    if not rule.min_baseline_days <= onset < days:
        raise ValueError(f"onset: between day {rule.min_baseline_days} and day {days - 1}")
    result = EvaluationResult(planted.emerging.jump, planted.rate, onset, days, unit)
    for seed in seeds:
        result.seeds.append(evaluate_seed(subjects, days, onset, seed, rule, unit))
    return result
