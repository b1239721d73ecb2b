"""Segments described in a marketer's words, by comparing them to the whole customer base.

A segment's centroid in plain units is the K-Means centre with the scaling
undone: a geometric mean for counts, money and days (log-scaled for
clustering), a plain mean for shares. Then:

* counts, money and days: the centroid's percentile in the population (ties
  counted half). At or above HIGH_PERCENTILE the feature earns its "high" word,
  at or below LOW_PERCENTILE its "low" word;
* shares (vouchers, returns, categories): most customers have none, so
  percentiles say little; the centroid is compared with the population's mean
  share instead. SHARE_LIFT times the mean or more is "high", 1/SHARE_LIFT or
  less is "low"; a category is named when its share is both lifted and at least
  CATEGORY_MIN_SHARE;
* a centroid below NEVER_BOUGHT_FREQUENCY purchases reads "never bought", and
  words about purchases are left out;
* words about purchases compare with customers who bought at least once:
  next to people who never ordered, any buyer would look "frequent".

The label keeps the segment's categories and the most distinctive other words,
MAX_TRAITS in all, read in a fixed order: "frequent, high-value, electronics,
rarely uses vouchers".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from actions.segments.clustering import LOG_FEATURES
from actions.segments.features import TOP_CATEGORIES, feature_names

HIGH_PERCENTILE = 0.70
LOW_PERCENTILE = 0.30
SHARE_LIFT = 1.6
CATEGORY_MIN_SHARE = 0.15
NEVER_BOUGHT_FREQUENCY = 0.5
SHARE_STRENGTH_CAP = 0.45
MAX_TRAITS = 4
# feature -> (word when high, word when low); None: that side is not worth saying.
QUANTILE_WORDS: dict[str, tuple[str | None, str | None]] = {
    "frequency": ("frequent", "occasional"),
    "monetary": ("high-value", "low-spend"),
    "avg_order_value": ("big baskets", "small baskets"),
    "recency_days": ("lapsed", "recently active"),
    "tenure_days": ("long-standing", "new"),
}
SHARE_WORDS: dict[str, tuple[str | None, str | None]] = {
    "discount_share": ("voucher-driven", "rarely uses vouchers"),
    "return_rate": ("returns often", None),
}
# Reading order of a label.
ORDER = ("never bought", "frequency", "monetary", "avg_order_value", "recency_days", "categories",
         "discount_share", "return_rate", "tenure_days")  # fmt: skip
# Words that mean nothing for customers who never bought.
PURCHASE_FEATURES = frozenset({"frequency", "monetary", "avg_order_value", "recency_days", "discount_share",
                               "return_rate", "categories"})  # fmt: skip


@dataclass(frozen=True)
class Description:
    """A segment in words, with the numbers the words came from."""

    label: str
    traits: list[str]
    centroid: dict[str, float]
    top_categories: list[str]


@dataclass(frozen=True)
class _Trait:
    slot: str
    strength: float
    word: str


def percentile(population: np.ndarray, value: float) -> float:
    """Share of the population below ``value``, ties counted half (0.5 is the median)."""
    if len(population) == 0:
        return 0.5
    below = float(np.count_nonzero(population < value))
    equal = float(np.count_nonzero(population == value))
    return (below + equal / 2) / len(population)


def plain_centroid(members: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """Return the members' centre in plain units: geometric mean of log-scaled features, mean of the rest."""
    if len(members) == 0:
        return {name: 0.0 for name in names}
    centre = {}
    for i, name in enumerate(names):
        column = members[:, i]
        value = np.expm1(np.log1p(np.maximum(column, 0)).mean()) if name in LOG_FEATURES else column.mean()
        centre[name] = round(float(value), 4)
    return centre


def _lift_strength(ratio: float) -> float:
    # Doubling or halving a share counts like a 25-point percentile move; capped
    # below a percentile's maximum so that "no vouchers at all" cannot outrank
    # the most extreme spenders.
    return min(SHARE_STRENGTH_CAP, abs(float(np.log2(max(ratio, 1e-6)))) / 4)


def _traits(
    raw: np.ndarray, centroid: dict[str, float], column: dict[str, int], categories: Sequence[str]
) -> tuple[list[_Trait], list[str]]:
    traits: list[_Trait] = []
    never_bought = centroid["frequency"] < NEVER_BOUGHT_FREQUENCY
    buyers = raw[raw[:, column["frequency"]] > 0]
    buyers = buyers if len(buyers) else raw
    if never_bought:
        traits.append(_Trait("never bought", 1.0, "never bought"))
    for feature, (high, low) in QUANTILE_WORDS.items():
        if never_bought and feature in PURCHASE_FEATURES:
            continue
        reference = buyers if feature in PURCHASE_FEATURES else raw
        where = percentile(reference[:, column[feature]], centroid[feature])
        if high and where >= HIGH_PERCENTILE:
            traits.append(_Trait(feature, where - 0.5, high))
        elif low and where <= LOW_PERCENTILE:
            traits.append(_Trait(feature, 0.5 - where, low))
    for feature, (high, low) in SHARE_WORDS.items():
        if never_bought:
            continue
        ratio = centroid[feature] / max(float(buyers[:, column[feature]].mean()), 1e-9)
        if high and ratio >= SHARE_LIFT:
            traits.append(_Trait(feature, _lift_strength(ratio), high))
        elif low and ratio <= 1 / SHARE_LIFT:
            traits.append(_Trait(feature, _lift_strength(ratio), low))
    top: list[str] = []
    if not never_bought:
        lifted = []
        for name in categories:
            share = centroid[f"affinity:{name}"]
            ratio = share / max(float(buyers[:, column[f"affinity:{name}"]].mean()), 1e-9)
            if share >= CATEGORY_MIN_SHARE and ratio >= SHARE_LIFT:
                lifted.append((share, name, ratio))
        lifted.sort(key=lambda item: (-item[0], item[1]))
        top = [name for _, name, _ in lifted[:TOP_CATEGORIES]]
        if top:
            strength = _lift_strength(max(ratio for _, _, ratio in lifted[:TOP_CATEGORIES]))
            traits.append(_Trait("categories", strength, " and ".join(name.lower() for name in top)))
    # Near-equal strengths keep the reading order: value before baskets and recency.
    return sorted(traits, key=lambda t: (-round(t.strength, 2), ORDER.index(t.slot))), top


def describe_segments(
    raw: np.ndarray, assignments: np.ndarray, categories: Sequence[str], k: int
) -> list[Description]:
    """One description per segment id 0..k-1 (raw: plain feature rows); labels are made unique."""
    names = feature_names(categories)
    column = {name: i for i, name in enumerate(names)}
    traits_by_segment: list[list[_Trait]] = []
    details: list[tuple[dict[str, float], list[str]]] = []
    for segment in range(k):
        centroid = plain_centroid(raw[assignments == segment], names)
        traits, top = _traits(raw, centroid, column, categories)
        traits_by_segment.append(traits)
        details.append((centroid, top))
    labels = _unique_labels(traits_by_segment)
    return [
        Description(label=label, traits=words, centroid=centroid, top_categories=top)
        for (label, words), (centroid, top) in zip(labels, details, strict=True)
    ]


def _label(traits: list[_Trait], count: int) -> tuple[str, list[str]]:
    # The categories always make the label: they are what marketers and the
    # recommender act on; the other words compete for the remaining places.
    categories = [t for t in traits if t.slot == "categories"]
    others = [t for t in traits if t.slot != "categories"]
    kept = sorted(others[: count - len(categories)] + categories, key=lambda t: ORDER.index(t.slot))
    words = [t.word for t in kept]
    return (", ".join(words) if words else "typical customers"), words


def _unique_labels(traits_by_segment: list[list[_Trait]]) -> list[tuple[str, list[str]]]:
    """Most distinctive words first; segments that would read the same get more words, then a number."""
    counts = [MAX_TRAITS] * len(traits_by_segment)
    labels = [_label(traits, MAX_TRAITS) for traits in traits_by_segment]
    for _ in range(max((len(t) for t in traits_by_segment), default=0)):
        seen: dict[str, list[int]] = {}
        for i, (label, _words) in enumerate(labels):
            seen.setdefault(label, []).append(i)
        clashes = [i for group in seen.values() if len(group) > 1 for i in group]
        if not clashes:
            return labels
        for i in clashes:
            counts[i] += 1
            labels[i] = _label(traits_by_segment[i], counts[i])
    seen_once: dict[str, int] = {}
    result = []
    for i, (label, words) in enumerate(labels):
        seen_once[label] = seen_once.get(label, 0) + 1
        result.append((f"{label} (segment {i})" if seen_once[label] > 1 else label, words))
    return result
