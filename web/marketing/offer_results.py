"""Offer results a marketer can act on: per rule, segment and variant, from the bandit's own counters.

One pass: the rules in force, then one ``HGETALL`` per rule of ``offers:stats:{rule}``
(pipelined), the counters the Thompson-sampling bandit learns from
(``actions/offers/bandit.py``); never the event stream. The counters are
cumulative (since the rule's first exposure, as long as the hash lives), so the
results do not follow the dashboard's period: they are what the bandit knows now.

For each rule overall (the variant totals) and each segment with exposures:
acceptance with its 95% credible interval, the probability that each variant is
best, the bandit's allocation now and a recommendation in words
(``results_math`` for the figures, ``results_advice`` for the verdict,
``results_wording`` for the words).

Uplift against the control group is reported as unavailable, with the reason:
a held-out customer is shown nothing, so ``OfferEngine.record_accept`` records
no acceptance for a control hold (there is nothing to accept), and no outcome
both groups can reach (a purchase) is recorded. A baseline of zero would only
restate the acceptance rate as "uplift"; no number is made up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import BaseModel
from redis.asyncio import Redis

from actions.errors import AssistantError
from actions.keys import Keys
from actions.offers.bandit import parse_stats, variant_field
from actions.offers.conditions import CompiledRule
from actions.offers.context import OfferContext
from actions.offers.rules import OfferRule
from actions.offers.store import RuleStore
from actions.redis_edge import store_call
from web.marketing import results_wording as words
from web.marketing.results_advice import Recommendation, recommend
from web.marketing.results_math import (
    CREDIBLE_LEVEL,
    DRAWS,
    MIN_EXPOSURES,
    WIN_PROBABILITY,
    Arm,
    credible_interval,
    probability_best,
    seed_of,
)
from web.marketing.segments_view import segments_overview

logger = logging.getLogger(__name__)


class VariantResult(BaseModel):
    """One variant in one scope."""

    variant: str
    exposures: int
    clicks: int
    accepts: int
    acceptance_rate: float | None
    interval_low: float
    interval_high: float
    probability_best: float
    allocation: float


class ScopeResult(BaseModel):
    """One rule overall (``segment`` None) or within one customer segment."""

    segment: str | None
    label: str
    exposures: int
    accepts: int
    variants: list[VariantResult]
    recommendation: Recommendation


class Uplift(BaseModel):
    """Uplift against the control group; ``available`` False with the reason when it cannot be measured."""

    available: bool
    reason: str
    controls: int


class RuleResult(BaseModel):
    """Every scope of one rule."""

    rule: str
    name: str
    enabled: bool
    allocation: str
    control_share: float
    uplift: Uplift
    overall: ScopeResult
    segments: list[ScopeResult]


class OfferResults(BaseModel):
    """What the Results section shows, with the thresholds it used."""

    credible_level: float = CREDIBLE_LEVEL
    draws: int = DRAWS
    win_probability: float = WIN_PROBABILITY
    min_exposures: int = MIN_EXPOSURES
    segmentation: str | None
    rules: list[RuleResult]


def allocation_now(
    rule: OfferRule, arms: list[Arm], best: list[float], eligible: list[bool], seed: int
) -> list[float]:
    """The share of traffic each variant gets now, among the variants this scope's customers may see.

    ``weighted``: the eligible variants' weights. ``thompson``: the bandit draws from the same
    posteriors, so its allocation is the probability best among the eligible variants.
    """
    if not any(eligible):
        return [0.0] * len(arms)
    if rule.allocation == "weighted":
        weights = [v.weight if ok else 0.0 for v, ok in zip(rule.variants, eligible, strict=True)]
        return [w / sum(weights) for w in weights]
    if all(eligible):
        return best
    among = iter(probability_best([a for a, ok in zip(arms, eligible, strict=True) if ok], seed))
    return [next(among) if ok else 0.0 for ok in eligible]


def scope_result(
    rule: OfferRule, stats: Mapping[str, int], segment: str | None, label: str, label_known: bool = True
) -> ScopeResult:
    """Every figure of one rule in one scope, from its counters.

    A segment lists the variants its customers may see (a variant written for other
    segments does not compete there); overall lists every variant, and its allocation
    is what a conversation without a segment gets.
    """
    context = OfferContext(
        conversation_id="offer-results", segment=segment, segment_label=label if label_known else None
    )
    may_see = {v.id for v in CompiledRule.of(rule).variants_for(context)}
    listed = [v for v in rule.variants if segment is None or v.id in may_see]
    names = [v.id for v in listed]

    def counter(variant: str, name: str) -> int:
        return stats.get(variant_field(variant, name, segment), 0)

    arms = [Arm(counter(n, "exposures"), counter(n, "accepts")) for n in names]
    seed = seed_of(rule.id, segment or "")
    best = probability_best(arms, seed)
    view = rule.model_copy(update={"variants": listed})
    allocation = allocation_now(view, arms, best, [n in may_see for n in names], seed)
    who = words.OVERALL if segment is None else words.FOR_SEGMENT.format(label=label)
    variants = []
    for name, arm, p_best, share in zip(names, arms, best, allocation, strict=True):
        low, high = credible_interval(arm)
        variants.append(
            VariantResult(
                variant=name,
                exposures=arm.exposures,
                clicks=counter(name, "clicks"),
                accepts=arm.accepts,
                acceptance_rate=round(min(arm.accepts, arm.exposures) / arm.exposures, 4)
                if arm.exposures
                else None,
                interval_low=round(low, 4),
                interval_high=round(high, 4),
                probability_best=round(p_best, 4),
                allocation=round(share, 4),
            )
        )
    return ScopeResult(
        segment=segment,
        label=label,
        exposures=sum(a.exposures for a in arms),
        accepts=sum(min(a.accepts, a.exposures) for a in arms),
        variants=variants,
        recommendation=recommend(names, arms, best, allocation, who),
    )


def segments_in(stats: Mapping[str, int]) -> set[str]:
    """Segment ids that have a counter in a rule's stats (``s:{segment}:v:{variant}:{counter}``)."""
    return {field.split(":", 2)[1] for field in stats if field.startswith("s:") and field.count(":") >= 4}


def rule_result(rule: OfferRule, stats: Mapping[str, int], labels: Mapping[str, str]) -> RuleResult:
    """One rule: overall, then each segment with exposures, in the segmentation's order."""
    controls = stats.get("control", 0)
    uplift = Uplift(
        available=False,
        reason=(
            words.UPLIFT_UNAVAILABLE.format(controls=words.count(controls))
            if rule.control_share > 0 or controls
            else words.UPLIFT_NO_CONTROL
        ),
        controls=controls,
    )
    ordered = sorted(segments_in(stats), key=lambda s: (s not in labels, int(s) if s.isdigit() else 0, s))
    scopes = [
        scope_result(
            rule,
            stats,
            segment,
            labels.get(segment) or words.NO_SEGMENT_LABEL.format(id=segment),
            label_known=segment in labels,
        )
        for segment in ordered
    ]
    return RuleResult(
        rule=rule.id,
        name=rule.name,
        enabled=rule.enabled,
        allocation=rule.allocation,
        control_share=rule.control_share,
        uplift=uplift,
        overall=scope_result(rule, stats, None, words.ALL_CUSTOMERS),
        segments=[s for s in scopes if s.exposures and s.variants],
    )


async def offer_results(redis: Redis, keys: Keys) -> OfferResults:
    """Read every rule's counters once and compute its results."""
    _, rule_set = await RuleStore(redis, keys).current_rules()
    rules = sorted(rule_set.rules, key=lambda r: (not r.enabled, -r.priority, r.id))
    with store_call("read the offer counters"):
        async with redis.pipeline(transaction=False) as pipe:
            for rule in rules:
                pipe.hgetall(keys.offer_stats(rule.id))
            raws = await pipe.execute()
    labels: dict[str, str] = {}
    version = None
    try:
        overview, _ = await segments_overview(redis, keys)
        labels = {str(s.id): s.label for s in overview.segments}
        version = overview.version
    except AssistantError:
        # Results without words for the segments are still results; the ids stand in.
        logger.exception("segment labels unavailable for the offer results")
    return OfferResults(
        segmentation=version,
        rules=[rule_result(rule, parse_stats(raw), labels) for rule, raw in zip(rules, raws, strict=True)],
    )
