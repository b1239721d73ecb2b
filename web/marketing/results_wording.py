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

UPLIFT_UNAVAILABLE = (
    "Uplift is not available: control customers are shown nothing, so they cannot accept, and "
    "no outcome that both groups can reach (such as a purchase after the conversation) is recorded. "
    "{controls} customers held out so far."
)
UPLIFT_NO_CONTROL = "Uplift is not available: this rule keeps no control group (control share 0)."


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
