"""Uplift against the control group, per rule overall and per segment, from the outcomes job's tallies.

The outcome is a purchase within ``ATTRIBUTION_DAYS`` after an identified customer's first
exposure or control hold (``actions/offers/attribution.py``); the tallies are computed by
``jobs/offer_outcomes.py`` and read here, never on the page's hot path. Each arm's conversion
gets a Beta(1, 1)-prior posterior and its 95% credible interval; the uplift of every variant
together, and of each variant, against the control group gets its interval and
P(uplift > 0) from seeded draws (``results_math.uplift``), and a verdict in words
(``results_advice.uplift_verdict``).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from actions.offers.attribution import CONTROL_ARM, OVERALL, ArmTally
from actions.offers.outcomes import RuleOutcomes
from actions.offers.rules import OfferRule
from web.marketing import results_wording as words
from web.marketing.results_advice import UpliftVerdict, enough_customers, uplift_verdict
from web.marketing.results_math import Arm, credible_interval, seed_of, uplift

ALL = "all"  # the arm id of every variant together


class ArmConversion(BaseModel):
    """One arm's customers past their window and how many bought, with the 95% credible interval."""

    arm: str
    customers: int
    converted: int
    rate: float | None
    interval_low: float
    interval_high: float


class UpliftComparison(BaseModel):
    """An exposed arm (``all`` or a variant) against the control group; figures None below the minimum."""

    arm: str
    enough: bool
    difference: float | None = None
    interval_low: float | None = None
    interval_high: float | None = None
    probability_positive: float | None = None


class ScopeUplift(BaseModel):
    """Uplift in one scope: the rule overall (``segment`` None) or one segment."""

    segment: str | None
    label: str
    verdict: UpliftVerdict
    text: str
    control: ArmConversion
    exposed: ArmConversion
    variants: list[ArmConversion]
    comparisons: list[UpliftComparison]


class Uplift(BaseModel):
    """Uplift against the control group; ``available`` False with the reason when it cannot be measured."""

    available: bool
    reason: str
    controls: int
    text: str = ""
    window_days: int | None = None
    computed_at: float | None = None
    pending: int = 0
    anonymous: int = 0
    overall: ScopeUplift | None = None
    segments: list[ScopeUplift] = []


def _arm(tally: ArmTally) -> Arm:
    return Arm(tally.customers, tally.converted)


def conversion(arm_id: str, tally: ArmTally) -> ArmConversion:
    """One arm's conversion and its credible interval."""
    low, high = credible_interval(_arm(tally))
    rate = round(tally.converted / tally.customers, 4) if tally.customers else None
    return ArmConversion(
        arm=arm_id,
        customers=tally.customers,
        converted=tally.converted,
        rate=rate,
        interval_low=round(low, 4),
        interval_high=round(high, 4),
    )


def compare(arm_id: str, exposed: ArmTally, control: ArmTally, seed: int) -> UpliftComparison:
    """One exposed arm against the control group (figures only with enough customers in both)."""
    if not enough_customers(_arm(exposed), _arm(control)):
        return UpliftComparison(arm=arm_id, enough=False)
    estimate = uplift(_arm(exposed), _arm(control), seed)
    return UpliftComparison(
        arm=arm_id,
        enough=True,
        difference=round(estimate.difference, 4),
        interval_low=round(estimate.low, 4),
        interval_high=round(estimate.high, 4),
        probability_positive=round(estimate.probability_positive, 4),
    )


def scope_uplift(rule: OfferRule, outcomes: RuleOutcomes, scope: str, label: str, who: str) -> ScopeUplift:
    """Every variant together and each variant against the control group, in one scope."""
    control, exposed = outcomes.arm(scope, CONTROL_ARM), outcomes.exposed(scope)

    def seeded(arm: str) -> int:
        return seed_of(rule.id, scope, arm, "uplift")

    listed = [v.id for v in rule.variants]
    listed += sorted(a for a in outcomes.scopes.get(scope, {}) if a != CONTROL_ARM and a not in listed)
    variants = [conversion(a, outcomes.arm(scope, a)) for a in listed if outcomes.arm(scope, a).customers]
    together = uplift(_arm(exposed), _arm(control), seeded(ALL))
    verdict, text = uplift_verdict(_arm(exposed), _arm(control), together, who, outcomes.window_days)
    return ScopeUplift(
        segment=None if scope == OVERALL else scope,
        label=label,
        verdict=verdict,
        text=text,
        control=conversion(words.CONTROL, control),
        exposed=conversion(ALL, exposed),
        variants=variants,
        comparisons=[
            compare(ALL, exposed, control, seeded(ALL)),
            *(compare(v.arm, outcomes.arm(scope, v.arm), control, seeded(v.arm)) for v in variants),
        ],
    )


def rule_uplift(
    rule: OfferRule, outcomes: RuleOutcomes | None, controls: int, labels: Mapping[str, str]
) -> Uplift:
    """The rule's uplift overall and in each segment with customers, or why there is none."""
    held = bool(outcomes and any(outcomes.arm(s, CONTROL_ARM).customers for s in outcomes.scopes))
    if rule.control_share == 0 and not controls and not held:
        return Uplift(
            available=False, reason=words.UPLIFT_NO_CONTROL, text=words.UPLIFT_NO_CONTROL, controls=0
        )
    if outcomes is None:
        reason = words.UPLIFT_NOT_COMPUTED.format(controls=words.count(controls))
        return Uplift(available=False, reason=reason, text=reason, controls=controls)
    overall = scope_uplift(rule, outcomes, OVERALL, words.ALL_CUSTOMERS, words.OVERALL)
    segments = sorted(
        (s for s in outcomes.scopes if s != OVERALL),
        key=lambda s: (s not in labels, int(s) if s.isdigit() else 0, s),
    )
    by_segment = []
    for segment in segments:
        label = labels.get(segment) or words.NO_SEGMENT_LABEL.format(id=segment)
        by_segment.append(scope_uplift(rule, outcomes, segment, label, words.FOR_SEGMENT.format(label=label)))
    available = overall.verdict != "too_few"
    return Uplift(
        available=available,
        reason="" if available else overall.text,
        controls=controls,
        text=overall.text,
        window_days=outcomes.window_days,
        computed_at=outcomes.computed_at,
        pending=outcomes.pending,
        anonymous=outcomes.anonymous,
        overall=overall,
        segments=by_segment,
    )
