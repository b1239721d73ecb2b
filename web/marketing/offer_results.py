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

Uplift against the control group is measured on the one outcome both groups can
reach, a purchase: an identified customer converts for a rule when they ordered within
7 days after their first exposure or control hold (anonymous visitors cannot be linked
to orders and are left out). ``jobs/offer_outcomes.py`` tallies customers and purchasers
per rule, segment and arm into ``offers:outcomes:{rule}``; this reads those hashes
(pipelined, beside the counters) and ``results_uplift`` turns them into conversion
rates, the uplift with its interval and P(uplift > 0), and words. Once the uplift is
credible either way it joins the scope's recommendation; below the minimum number
of customers, or for a rule without a control group, ``Uplift`` says why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import BaseModel
from redis.asyncio import Redis

from actions.errors import AssistantError
from actions.keys import Keys
from actions.offers.attribution import ATTRIBUTION_DAYS
from actions.offers.bandit import parse_stats, variant_field
from actions.offers.conditions import CompiledRule
from actions.offers.context import OfferContext
from actions.offers.outcomes import RuleOutcomes, read_outcomes
from actions.offers.rules import OfferRule
from actions.offers.store import RuleStore
from actions.redis_edge import store_call
from web.marketing import results_wording as words
from web.marketing.results_advice import MIN_CUSTOMERS, Recommendation, recommend, with_uplift
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
from web.marketing.results_uplift import Uplift, rule_uplift
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
    attribution_days: int = ATTRIBUTION_DAYS
    min_customers: int = MIN_CUSTOMERS
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


def rule_result(
    rule: OfferRule,
    stats: Mapping[str, int],
    labels: Mapping[str, str],
    outcomes: RuleOutcomes | None = None,
) -> RuleResult:
    """One rule: overall, then each segment with exposures, in the segmentation's order, with its uplift."""
    uplift = rule_uplift(rule, outcomes, stats.get("control", 0), labels)
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
    overall = scope_result(rule, stats, None, words.ALL_CUSTOMERS)
    if uplift.overall:
        said = uplift.overall
        overall.recommendation = with_uplift(overall.recommendation, said.verdict, said.text)
    by_segment = {u.segment: u for u in uplift.segments}
    for scope in scopes:
        if (said_here := by_segment.get(scope.segment)) is not None:
            scope.recommendation = with_uplift(scope.recommendation, said_here.verdict, said_here.text)
    return RuleResult(
        rule=rule.id,
        name=rule.name,
        enabled=rule.enabled,
        allocation=rule.allocation,
        control_share=rule.control_share,
        uplift=uplift,
        overall=overall,
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
    outcomes = await read_outcomes(redis, keys, [rule.id for rule in rules])
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
        rules=[
            rule_result(rule, parse_stats(raw), labels, outcomes[rule.id])
            for rule, raw in zip(rules, raws, strict=True)
        ],
    )
