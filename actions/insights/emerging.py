"""Emerging topics: a day's count tested against the topic's own trailing baseline.

The test compares two Poisson rates with an exact conditional test (Przyborowski and
Wilenski, 1940). With ``x`` events on the tested day over exposure ``E`` and ``X`` events
over the baseline's exposure ``E0``, under the null hypothesis of one common rate

    x | x + X  ~  Binomial(x + X, E / (E + E0))

and the one-sided p-value is ``P(Binomial >= x)`` (``scipy.stats.binomtest``). Conditioning on
``x + X`` means the baseline's own uncertainty is accounted for: a topic with a short or
quiet history needs a larger rise to be flagged.

* **Volume** (``measure="conversations"``): ``x`` is the topic's distinct conversations on the
  day, not its messages: a customer who writes three times about one late parcel is one piece of
  evidence, and message counts are overdispersed (the demo-history evaluation,
  ``python -m jobs.topics evaluate-emerging``, found 2.2 false alarms per 30 days store-wide
  counting messages against 0.45 counting conversations, both flagging the planted rise on its
  first day). The exposure is
  the conversations of every *other* topic that day (and over the baseline), so a day on which
  all traffic doubles (a sale, a newsletter) flags nothing, while a topic that doubles its
  share of the conversation does. When no other topic has messages, the exposure is days.
* **Upset share** (``measure="upset"``, for the emotion join): ``x`` is the topic's messages
  from upset customers, the exposure the topic's messages; the same function applies.

A day is flagged when all of these hold (``EmergingRule``, defaults):
``x >= min_count`` (8: a handful of messages is no trend), ``x >= min_ratio`` (2) times the
expected count ``X * E / E0`` (expected floored at 0.5, so a topic new to the window needs at
least ``min_count``), ``p < alpha`` (0.001; with ~20 topics tested daily, about one false
flag a fortnight store-wide under Poisson noise, and none for a given topic in years), and
at least ``min_baseline_days`` (7) of the ``baseline_days`` (28) days before it had traffic.
Days without any traffic (the job was not running, no data loaded) are left out of the
baseline rather than counted as zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from scipy.stats import binomtest

from actions.insights.models import EmergingFlag


@dataclass(frozen=True)
class EmergingRule:
    """The thresholds of the test (module docstring)."""

    baseline_days: int = 28
    min_baseline_days: int = 7
    min_count: int = 8
    min_ratio: float = 2.0
    alpha: float = 0.001
    expected_floor: float = 0.5


@dataclass(frozen=True)
class RateRise:
    """The test's result for one count against its baseline."""

    expected: float
    ratio: float
    p_value: float


def rate_rise(
    count: int,
    exposure: float,
    baseline_count: int,
    baseline_exposure: float,
    expected_floor: float = EmergingRule.expected_floor,
) -> RateRise:
    """Whether ``count`` per ``exposure`` is a higher rate than ``baseline_count`` per ``baseline_exposure``.

    Raises:
        ValueError: an exposure is not positive.

    """
    if exposure <= 0 or baseline_exposure <= 0:
        raise ValueError("exposures must be positive")
    expected = baseline_count * exposure / baseline_exposure
    ratio = count / max(expected, expected_floor)
    if count == 0:
        return RateRise(expected, ratio, 1.0)
    share = exposure / (exposure + baseline_exposure)
    p_value = float(binomtest(count, count + baseline_count, share, alternative="greater").pvalue)
    return RateRise(expected, ratio, p_value)


def window(day: str, days: int) -> list[str]:
    """The ``days`` calendar days before ``day`` (``YYYY-MM-DD``), oldest first."""
    tested = date.fromisoformat(day)
    return [(tested - timedelta(days=offset)).isoformat() for offset in range(days, 0, -1)]


def volume_flag(
    topic_id: str,
    day: str,
    counts: Mapping[str, int],
    totals: Mapping[str, int],
    rule: EmergingRule | None = None,
) -> EmergingFlag | None:
    """The flag for ``topic_id`` on ``day`` if its volume rose beyond its baseline, else None.

    Args:
        topic_id: The topic tested.
        day: The day tested (``YYYY-MM-DD``, UTC).
        counts: The topic's conversations per day.
        totals: Every topic's conversations per day (the topic's own included).
        rule: Thresholds; default ``EmergingRule()``.

    """
    rule = rule or EmergingRule()
    count = counts.get(day, 0)
    if count < rule.min_count:
        return None
    baseline = [d for d in window(day, rule.baseline_days) if totals.get(d, 0) > 0]
    if len(baseline) < rule.min_baseline_days:
        return None
    baseline_count = sum(counts.get(d, 0) for d in baseline)
    others = totals.get(day, 0) - count
    baseline_others = sum(totals[d] - counts.get(d, 0) for d in baseline)
    if others > 0 and baseline_others > 0:
        exposure, baseline_exposure = others, baseline_others
    else:
        exposure, baseline_exposure = 1, len(baseline)
    rise = rate_rise(count, exposure, baseline_count, baseline_exposure, rule.expected_floor)
    if rise.ratio < rule.min_ratio or rise.p_value >= rule.alpha:
        return None
    return EmergingFlag(
        topic_id=topic_id,
        day=day,
        measure="conversations",
        count=count,
        exposure=exposure,
        expected=round(rise.expected, 3),
        baseline_count=baseline_count,
        baseline_exposure=baseline_exposure,
        baseline_days=len(baseline),
        ratio=round(rise.ratio, 3),
        p_value=rise.p_value,
    )


def emerging_topics(
    series: Mapping[str, Mapping[str, int]], day: str, rule: EmergingRule | None = None
) -> list[EmergingFlag]:
    """Every topic of ``series`` (topic id -> conversations per day) flagged on ``day``, strongest first."""
    totals: dict[str, int] = {}
    for counts in series.values():
        for d, n in counts.items():
            totals[d] = totals.get(d, 0) + n
    flags = [
        flag for topic, counts in series.items() if (flag := volume_flag(topic, day, counts, totals, rule))
    ]
    return sorted(flags, key=lambda flag: flag.p_value)


def upset_flag(
    topic_id: str,
    day: str,
    upset: Mapping[str, int],
    read: Mapping[str, int],
    rule: EmergingRule | None = None,
) -> EmergingFlag | None:
    """The flag for ``topic_id`` on ``day`` if the share of its messages from upset customers rose.

    The same test and thresholds as ``volume_flag``, with ``x`` the topic's upset messages on
    the day and the exposure the topic's messages whose emotion was read (that day, and over
    the baseline's days with such messages): a topic that grows without upsetting more of
    its customers is not flagged here.

    Args:
        topic_id: The topic tested.
        day: The day tested (``YYYY-MM-DD``, UTC).
        upset: The topic's upset messages per day (``actions/insights/measures.py``).
        read: The topic's messages with an emotion reading per day.
        rule: Thresholds; default ``EmergingRule()``.

    """
    rule = rule or EmergingRule()
    count, exposure = upset.get(day, 0), read.get(day, 0)
    if count < rule.min_count or exposure <= 0:
        return None
    baseline = [d for d in window(day, rule.baseline_days) if read.get(d, 0) > 0]
    baseline_exposure = sum(read[d] for d in baseline)
    if len(baseline) < rule.min_baseline_days or baseline_exposure <= 0:
        return None
    baseline_count = sum(upset.get(d, 0) for d in baseline)
    rise = rate_rise(count, exposure, baseline_count, baseline_exposure, rule.expected_floor)
    if rise.ratio < rule.min_ratio or rise.p_value >= rule.alpha:
        return None
    return EmergingFlag(
        topic_id=topic_id,
        day=day,
        measure="upset",
        count=count,
        exposure=exposure,
        expected=round(rise.expected, 3),
        baseline_count=baseline_count,
        baseline_exposure=baseline_exposure,
        baseline_days=len(baseline),
        ratio=round(rise.ratio, 3),
        p_value=rise.p_value,
    )


def upset_topics(
    series: Mapping[str, tuple[Mapping[str, int], Mapping[str, int]]],
    day: str,
    rule: EmergingRule | None = None,
) -> list[EmergingFlag]:
    """Every topic of ``series`` (id -> (upset per day, read per day)) flagged on ``day``, strongest first."""
    flags = [
        flag for topic, (upset, read) in series.items() if (flag := upset_flag(topic, day, upset, read, rule))
    ]
    return sorted(flags, key=lambda flag: flag.p_value)
