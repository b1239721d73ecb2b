"""Which variant of a rule to show: Thompson sampling on acceptances, or a fixed weighted split.

Counters live in one Redis hash per rule (``offers:stats:{rule}``):

- ``exposures``, ``accepts``, ``clicks``, ``control``: the rule's totals (budgets use them);
- ``v:{variant}:{counter}``: each variant's totals, across segments;
- ``s:{segment}:v:{variant}:{counter}``: each variant within one customer segment.

Thompson sampling draws from Beta(1 + accepts, 1 + exposures - accepts) for each
variant and shows the highest draw. It learns per segment, because the variant
that works best for bargain hunters need not be the one loyal customers prefer;
a conversation without a segment uses the variant totals.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from actions.offers.rules import OfferRule, Variant
from actions.redis_edge import text

Counter = str  # "exposures" | "accepts" | "clicks"


def variant_field(variant_id: str, counter: Counter, segment: str | None = None) -> str:
    """Name the hash field of one variant's counter, overall or within a segment."""
    return f"v:{variant_id}:{counter}" if segment is None else f"s:{segment}:v:{variant_id}:{counter}"


def counter_fields(variant_id: str, counter: Counter, segment: str | None) -> list[str]:
    """Every field one event increments: the rule total, the variant total and the segment's."""
    fields = [counter, variant_field(variant_id, counter)]
    if segment is not None:
        fields.append(variant_field(variant_id, counter, segment))
    return fields


def parse_stats(raw: Mapping[bytes | str, bytes | str]) -> dict[str, int]:
    """Convert a stats hash as read from Redis to text keys and integer counts."""
    return {text(k): int(text(v)) for k, v in raw.items()}


@dataclass(frozen=True)
class VariantStats:
    """One variant's counters."""

    variant_id: str
    exposures: int
    clicks: int
    accepts: int

    @property
    def acceptance_rate(self) -> float:
        """Accepts per exposure (0 before the first exposure)."""
        return self.accepts / self.exposures if self.exposures else 0.0


def variant_stats(
    rule: OfferRule, stats: Mapping[str, int], segment: str | None = None
) -> list[VariantStats]:
    """Each variant's counters, overall or within one segment."""
    return [
        VariantStats(
            v.id,
            stats.get(variant_field(v.id, "exposures", segment), 0),
            stats.get(variant_field(v.id, "clicks", segment), 0),
            stats.get(variant_field(v.id, "accepts", segment), 0),
        )
        for v in rule.variants
    ]


def choose_variant(
    rule: OfferRule,
    stats: Mapping[str, int],
    segment: str | None,
    rng: random.Random,
    by_segment: bool = True,
) -> Variant:
    """Choose the variant to show this time.

    Args:
        rule: the rule whose variants compete.
        stats: the rule's counters (``parse_stats``); unused for a fixed split.
        segment: the customer's segment id, or None.
        rng: the random source; tests and simulations pass a seeded one.
        by_segment: learn per segment (True) or pool every segment (False).

    """
    variants = rule.variants
    if len(variants) == 1:
        return variants[0]
    if rule.allocation == "weighted":
        return rng.choices(variants, weights=[v.weight for v in variants])[0]
    scope = segment if by_segment else None
    best, best_draw = variants[0], -1.0
    for variant in variants:
        exposures = stats.get(variant_field(variant.id, "exposures", scope), 0)
        # Clamped: an acceptance can be counted before a concurrent exposure's increment lands.
        accepts = min(stats.get(variant_field(variant.id, "accepts", scope), 0), exposures)
        draw = rng.betavariate(1 + accepts, 1 + exposures - accepts)
        if draw > best_draw:
            best, best_draw = variant, draw
    return best
