"""What the offer results say to a marketer, in one place.

``{best}``, ``{retire}`` and the variant names are variant ids; ``{who}`` is ``OVERALL``
or ``FOR_SEGMENT`` with the segment's label in words (never its id alone, which
changes when the segmentation is re-run).
"""

from __future__ import annotations

from collections.abc import Sequence

OVERALL = "overall"
FOR_SEGMENT = "for the segment “{label}”"
ALL_CUSTOMERS = "All customers"
NO_SEGMENT_LABEL = "segment {id} (not in the latest segmentation)"

WINNER = "Variant {best} is best {who} with {probability} probability; retire {retire}."
WINNER_ALONE = "Variant {best} is best {who} with {probability} probability."
MORE_DATA = "Not enough evidence yet {who}: about {more} more exposures needed."
MORE_DATA_LEADER = (
    "Not enough evidence yet {who}: about {more} more exposures needed "
    "({best} leads with {probability} probability)."
)
TOO_EARLY = (
    "Not enough evidence yet {who}: at least {more} more exposures needed "
    "({minimum} per variant) before the variants can be told apart."
)
NO_CLEAR_WINNER = "No clear winner {who}: the variants are accepted about equally often ({rates})."
NO_CLEAR_WINNER_MORE = (
    "No clear winner {who}: the variants are accepted about equally often ({rates}); "
    "telling them apart would take about {more} more exposures."
)
SINGLE_VARIANT = "Only one variant {who}: nothing to compare. Add a variant to test it against."
NO_EXPOSURES = "No exposures yet {who}."

# Uplift: purchases within the window after a customer's first exposure or control hold
# (actions/offers/attribution.py). ``{Who}`` is ``{who}`` with a capital letter.
ALL_VARIANTS = "all variants"
CONTROL = "control"
UPLIFT_HELPS = (
    "{Who}, customers shown the offer bought {points} points more often than the control group within "
    "{days} days ({exposed} against {control}; 95% interval {low} to {high} points; "
    "{probability} probability the offer helps)."
)
UPLIFT_DOES_NOT_HELP = (
    "{Who}, the offer likely does not help: customers shown it bought {points} points {direction} often "
    "than the control group within {days} days ({exposed} against {control}; 95% interval {low} to "
    "{high} points; only {probability} probability the offer helps)."
)
UPLIFT_UNCLEAR = (
    "{Who}, no clear uplift yet: customers shown the offer bought within {days} days {exposed} of the "
    "time, the control group {control} (95% interval {low} to {high} points; {probability} probability "
    "the offer helps)."
)
UPLIFT_TOO_FEW = (
    "{Who}, not enough customers yet for uplift: {exposed_n} shown the offer and {control_n} in the "
    "control group have had their {days} days to buy; at least {minimum} of each are needed."
)
UPLIFT_NO_CONTROL = "Uplift is not available: this rule keeps no control group (control share 0)."
UPLIFT_NOT_COMPUTED = (
    "Uplift is not computed yet: the outcomes job (python -m jobs.offer_outcomes run) has not run "
    "since this rule was first shown. {controls} customers held out so far."
)
MORE = "more"
LESS = "less"


def capital(who: str) -> str:
    """Capitalise ``who`` to open a sentence: overall -> Overall."""
    return who[:1].upper() + who[1:]


def points(value: float) -> str:
    """0.0412 -> "4.1" (percentage points, no sign)."""
    return f"{abs(value) * 100:.1f}"


def signed_points(value: float) -> str:
    """-0.012 -> "-1.2", 0.05 -> "+5.0" (an interval's end, in percentage points)."""
    return f"{value * 100:+.1f}"


def rate(value: float) -> str:
    """0.183 -> "18.3%" (an observed rate, one decimal)."""
    return f"{value * 100:.1f}%"


def percent(value: float) -> str:
    """0.9712 -> "97%"; near 0 or 1 one decimal, and never "100%" or "0%" for an estimate."""
    if value >= 0.9995:
        return "over 99.9%"
    if 0 < value <= 0.0005:
        return "under 0.1%"
    if 0 < value < 0.01 or 0.99 < value < 1:
        return f"{value * 100:.1f}%"
    return f"{value * 100:.0f}%"


def listed(names: Sequence[str]) -> str:
    """["A", "B", "C"] -> "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def count(n: int) -> str:
    """12000 -> "12,000"."""
    return f"{n:,}"
