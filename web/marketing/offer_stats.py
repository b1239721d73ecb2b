"""Exposures, clicks and acceptances of each offer rule and variant over a period, from ``offers:events``.

The acceptance rate of a bucket is the acceptances recorded in it divided by the
exposures recorded in it: an offer shown late one day and accepted the next
counts its exposure and its acceptance on different days, which evens out over
a period. Control holds (nothing shown) are counted per rule, not per variant.
The events are counted inside Redis (``streams.count_entries``), so a period of
a quarter-million events costs a few script calls, not a quarter-million parses.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel
from redis.asyncio import Redis

from actions.keys import Keys
from web.marketing.streams import StreamCounts, count_entries
from web.marketing.timerange import TimeRange

logger = logging.getLogger(__name__)


def rate(accepts: int, exposures: int) -> float | None:
    """Return acceptances per exposure, rounded to 4 places; None when nothing was shown."""
    return round(accepts / exposures, 4) if exposures else None


class Totals(BaseModel):
    """Counts over the whole period."""

    exposures: int = 0
    clicks: int = 0
    accepts: int = 0
    acceptance_rate: float | None = None


class VariantSeries(BaseModel):
    """One variant of one rule, bucket by bucket."""

    rule: str
    variant: str
    exposures: list[int]
    clicks: list[int]
    accepts: list[int]
    acceptance_rate: list[float | None]
    totals: Totals


class RuleTotals(Totals):
    """One rule over the whole period, control holds included."""

    rule: str
    controls: int = 0


class OfferStats(BaseModel):
    """What the exposures chart draws."""

    start: str
    end: str
    bucket: str
    buckets: list[str]
    series: list[VariantSeries]
    rules: list[RuleTotals]
    events: int
    malformed: int = 0


EVENT_FIELDS = {"exposure": "exposures", "click": "clicks", "accept": "accepts"}


def aggregate_offer_counts(counts: StreamCounts, period: TimeRange) -> OfferStats:
    """Turn counts keyed by (type, rule, variant, bucket) into per-variant series and per-rule totals.

    A key whose type is not an offer event type, or whose rule is empty, counts as malformed.
    """
    width = len(period.bucket_starts())
    series: dict[tuple[str, str], dict[str, list[int]]] = {}
    rules: dict[str, RuleTotals] = {}
    seen, malformed = 0, counts.malformed
    for (kind, rule, variant, bucket), count in counts.counts.items():
        index = int(bucket)
        if (kind != "control" and kind not in EVENT_FIELDS) or not rule or not 0 <= index < width:
            malformed += count
            continue
        seen += count
        totals = rules.setdefault(rule, RuleTotals(rule=rule))
        if kind == "control":
            totals.controls += count
            continue
        name = EVENT_FIELDS[kind]
        setattr(totals, name, getattr(totals, name) + count)
        row = series.setdefault((rule, variant), {n: [0] * width for n in EVENT_FIELDS.values()})
        row[name][index] += count
    out = []
    for (rule, variant), row in sorted(series.items()):
        exposures, clicks, accepts = row["exposures"], row["clicks"], row["accepts"]
        out.append(
            VariantSeries(
                rule=rule,
                variant=variant,
                exposures=exposures,
                clicks=clicks,
                accepts=accepts,
                acceptance_rate=[rate(a, e) for a, e in zip(accepts, exposures, strict=True)],
                totals=Totals(
                    exposures=sum(exposures),
                    clicks=sum(clicks),
                    accepts=sum(accepts),
                    acceptance_rate=rate(sum(accepts), sum(exposures)),
                ),
            )
        )
    return OfferStats(
        **period.chart_fields(),
        series=out,
        rules=[
            totals.model_copy(update={"acceptance_rate": rate(totals.accepts, totals.exposures)})
            for _, totals in sorted(rules.items())
        ],
        events=seen,
        malformed=malformed,
    )


async def offer_stats(redis: Redis, keys: Keys, period: TimeRange) -> OfferStats:
    """Count the period's offer events in Redis (by their ``ts``) and shape them for the charts."""
    counts = await count_entries(
        redis, keys.offer_events, period, ("type", "rule", "variant"), time_field="ts"
    )
    if counts.malformed:
        logger.warning(
            "%s: %d entries in the period lack a field; skipped", keys.offer_events, counts.malformed
        )
    return aggregate_offer_counts(counts, period)
