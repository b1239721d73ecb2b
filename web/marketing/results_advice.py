"""The verdict on one rule in one scope, in words: a winner, more evidence needed, or no clear winner.

Thresholds: a winner needs ``WIN_PROBABILITY`` and ``MIN_EXPOSURES`` per variant
(``results_math``); the rest are here. docs/offers.md, "Results", explains them.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel

from web.marketing import results_wording as words
from web.marketing.results_math import (
    MIN_EXPOSURES,
    MIN_SHARE,
    WIN_PROBABILITY,
    Arm,
    UpliftEstimate,
    more_exposures_needed,
)

# Not enough evidence turns into "no clear winner" when telling the variants apart
# would take some variant more than this many times the average exposures per variant so far.
NO_WINNER_FACTOR = 10
# The smallest "more exposures" an estimate states: the normal approximation can
# promise a win slightly early; a few more exposures are always needed then.
MIN_MORE = 10

Verdict = Literal["winner", "more_data", "no_clear_winner", "single_variant", "no_exposures"]
# Uplift needs this many customers past their window in the control group and among those
# shown the offer (all variants, or the one variant compared): the variants' own minimum.
MIN_CUSTOMERS = MIN_EXPOSURES
# The offer "likely does not help" when the probability that it raises purchases is at most this.
NO_HELP_PROBABILITY = 0.2
UpliftVerdict = Literal["helps", "does_not_help", "unclear", "too_few"]


class Recommendation(BaseModel):
    """What to do, in words, and the figures it rests on."""

    verdict: Verdict
    text: str
    best: str | None = None
    probability: float | None = None
    more_exposures: int | None = None
    retire: list[str] = []
    uplift: UpliftVerdict | None = None


def recommend(
    names: list[str], arms: list[Arm], best: list[float], shares: list[float], who: str
) -> Recommendation:
    """The plain-words verdict for one scope (thresholds: docs/offers.md, "Results").

    Args:
        names: the variants' ids.
        arms: their counts, in the same order.
        best: each variant's probability of being best.
        shares: the traffic each variant gets now (the allocation).
        who: ``OVERALL`` or the segment in words.

    """
    total = sum(a.exposures for a in arms)
    if len(arms) == 1:
        return Recommendation(verdict="single_variant", text=words.SINGLE_VARIANT.format(who=who))
    if total == 0:
        return Recommendation(verdict="no_exposures", text=words.NO_EXPOSURES.format(who=who))
    leader = max(range(len(arms)), key=lambda i: (best[i], arms[i].mean))
    probability = words.percent(best[leader])
    enough = all(a.exposures >= MIN_EXPOSURES for a in arms)
    if enough and best[leader] >= WIN_PROBABILITY:
        retire = [n for i, n in enumerate(names) if i != leader]
        return Recommendation(
            verdict="winner",
            text=words.WINNER.format(
                best=names[leader], who=who, probability=probability, retire=words.listed(retire)
            ),
            best=names[leader],
            probability=best[leader],
            retire=retire,
        )
    needed = more_exposures_needed(arms, leader, shares)
    # Exposures of the rule until every variant has the minimum, at today's allocation.
    shortfall = math.ceil(
        max((MIN_EXPOSURES - a.exposures) / max(s, MIN_SHARE) for a, s in zip(arms, shares, strict=True))
    )
    if needed is None and not enough:
        return Recommendation(
            verdict="more_data",
            text=words.TOO_EARLY.format(who=who, more=words.count(shortfall), minimum=MIN_EXPOSURES),
            more_exposures=shortfall,
        )
    # Judged on the data needed, not the traffic: a variant the bandit starves is not a tie.
    per_variant = more_exposures_needed(arms, leader, [1.0] * len(arms))
    if enough and (per_variant is None or per_variant > NO_WINNER_FACTOR * total / len(arms)):
        rates = ", ".join(
            f"{n} {words.percent(a.accepts / a.exposures)}" for n, a in zip(names, arms, strict=True)
        )
        text = (
            words.NO_CLEAR_WINNER.format(who=who, rates=rates)
            if needed is None
            else words.NO_CLEAR_WINNER_MORE.format(who=who, rates=rates, more=words.count(needed))
        )
        return Recommendation(verdict="no_clear_winner", text=text, more_exposures=needed)
    more = max(needed or 0, shortfall, MIN_MORE)
    template = words.MORE_DATA_LEADER if best[leader] >= 0.5 else words.MORE_DATA
    return Recommendation(
        verdict="more_data",
        text=template.format(who=who, more=words.count(more), best=names[leader], probability=probability),
        best=names[leader] if best[leader] >= 0.5 else None,
        probability=best[leader],
        more_exposures=more,
    )


def enough_customers(exposed: Arm, control: Arm) -> bool:
    """Whether both groups have ``MIN_CUSTOMERS`` customers past their window."""
    return exposed.exposures >= MIN_CUSTOMERS and control.exposures >= MIN_CUSTOMERS


def uplift_verdict(
    exposed: Arm, control: Arm, estimate: UpliftEstimate, who: str, days: int
) -> tuple[UpliftVerdict, str]:
    """The uplift of the offer (all variants) against the control group, in words.

    "helps" once P(uplift > 0) reaches ``WIN_PROBABILITY``, "does_not_help" when it is at
    most ``NO_HELP_PROBABILITY``, "unclear" between, and "too_few" below ``MIN_CUSTOMERS``
    in either group (counts given). ``exposed``/``control`` count customers and purchasers.
    """
    if not enough_customers(exposed, control):
        return "too_few", words.UPLIFT_TOO_FEW.format(
            Who=words.capital(who),
            exposed_n=words.count(exposed.exposures),
            control_n=words.count(control.exposures),
            days=days,
            minimum=MIN_CUSTOMERS,
        )
    figures = {
        "Who": words.capital(who),
        "days": days,
        "points": words.points(estimate.difference),
        "exposed": words.rate(exposed.accepts / exposed.exposures),
        "control": words.rate(control.accepts / control.exposures),
        "low": words.signed_points(estimate.low),
        "high": words.signed_points(estimate.high),
        "probability": words.percent(estimate.probability_positive),
    }
    if estimate.probability_positive >= WIN_PROBABILITY:
        return "helps", words.UPLIFT_HELPS.format(**figures)
    if estimate.probability_positive <= NO_HELP_PROBABILITY:
        direction = words.LESS if estimate.difference < 0 else words.MORE
        return "does_not_help", words.UPLIFT_DOES_NOT_HELP.format(**figures, direction=direction)
    return "unclear", words.UPLIFT_UNCLEAR.format(**figures)


def with_uplift(recommendation: Recommendation, verdict: UpliftVerdict, text: str) -> Recommendation:
    """The recommendation with the uplift said too, once it is credible either way."""
    if verdict not in ("helps", "does_not_help"):
        return recommendation
    return recommendation.model_copy(update={"text": f"{recommendation.text} {text}", "uplift": verdict})
