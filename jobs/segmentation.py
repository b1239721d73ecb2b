"""One segmentation run: features, clustering, words, best sellers, and everything stored.

``python -m jobs.segments run`` and the seed (through ``jobs.intelligence``) make runs;
the action server only reads what a run stored (``actions/segments/storage.py``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypedDict

from redis import Redis

from actions.keys import Keys
from actions.segments.best_sellers import best_sellers
from actions.segments.clustering import DEFAULT_K_RANGE, DEFAULT_SEED, fit_segments
from actions.segments.features import CustomerFeatures, raw_matrix, store_features, utc_naive
from actions.segments.labels import describe_segments
from actions.segments.models import CustomerProfile, Segment, SegmentModel
from actions.segments.storage import write_segmentation
from actions.segments.store_snapshot import StoreRecords, read_store
from actions.store.models import Order


class RunOptions(TypedDict, total=False):
    """How a run segments: what ``run_segmentation`` takes besides the store, for callers passing them on."""

    now: datetime | None
    k_range: tuple[int, int]
    seed: int


@dataclass(frozen=True)
class Segmentation:
    """The result of a run before it is stored."""

    model: SegmentModel
    segments: list[Segment]
    profiles: list[CustomerProfile]


@dataclass(frozen=True)
class SegmentationReport:
    """What a run found and how long each step took."""

    model: SegmentModel
    segments: list[Segment]
    profiles: int
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable summary: silhouette per k, chosen k, segment sizes and labels, timings."""
        silhouettes = ", ".join(f"k={k}: {v:.3f}" for k, v in sorted(self.model.silhouette_by_k.items()))
        out = [
            f"silhouette by k: {silhouettes}",
            f"chosen k = {self.model.k} (model version {self.model.version}), {self.profiles} profiles",
        ]
        for s in self.segments:
            out.append(f"  segment {s.id}: {s.size:5d} customers ({s.share:.0%})  {s.label}")
        out.append("timings: " + ", ".join(f"{name} {value:.2f} s" for name, value in self.seconds.items()))
        return out


def categories_of(records: StoreRecords) -> list[str]:
    """Catalogue categories plus any that only appear in orders (discontinued products), sorted."""
    names = {p.category for p in records.products}
    names.update(item.category for order in records.orders for item in order.items)
    return sorted(names)


def purchased_products(orders: Sequence[Order]) -> dict[str, list[str]]:
    """Map customer id -> sorted ids of products in their purchases (orders not cancelled)."""
    bought: dict[str, set[str]] = {}
    for order in orders:
        if order.status != "cancelled":
            bought.setdefault(order.customer_id, set()).update(item.product_id for item in order.items)
    return {customer: sorted(ids) for customer, ids in bought.items()}


def segment_store(
    records: StoreRecords,
    now: datetime,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    seed: int = DEFAULT_SEED,
    timings: dict[str, float] | None = None,
) -> Segmentation:
    """Segment the store's customers (pure: no Redis)."""
    timings = timings if timings is not None else {}
    started = time.perf_counter()
    now = utc_naive(now)
    categories = categories_of(records)
    features: dict[str, CustomerFeatures] = store_features(records.customers, records.orders, now)
    ids = list(features)
    raw = raw_matrix([features[i] for i in ids], categories)
    timings["features"] = time.perf_counter() - started

    clustering = fit_segments(raw, categories, now, k_range=k_range, seed=seed)
    timings["clustering"] = clustering.seconds
    started = time.perf_counter()
    model = clustering.model
    descriptions = describe_segments(raw, clustering.assignments, categories, model.k)
    members: list[set[str]] = [set() for _ in range(model.k)]
    for customer_id, segment in zip(ids, clustering.assignments, strict=True):
        members[int(segment)].add(customer_id)
    segments = [
        Segment(
            id=n,
            label=d.label,
            traits=d.traits,
            size=len(members[n]),
            share=round(len(members[n]) / len(ids), 4),
            centroid=d.centroid,
            top_categories=d.top_categories,
            best_sellers=best_sellers(records.orders, members[n]),
            model_version=model.version,
        )
        for n, d in enumerate(descriptions)
    ]
    bought = purchased_products(records.orders)
    profiles = [
        CustomerProfile(
            customer_id=customer_id,
            segment_id=int(segment),
            segment_label=segments[int(segment)].label,
            features=features[customer_id],
            top_categories=features[customer_id].top_categories(),
            purchased_product_ids=bought.get(customer_id, []),
            computed_at=now,
            model_version=model.version,
        )
        for customer_id, segment in zip(ids, clustering.assignments, strict=True)
    ]
    timings["labels and best sellers"] = time.perf_counter() - started
    return Segmentation(model, segments, profiles)


def run_segmentation(
    redis: Redis,
    keys: Keys,
    records: StoreRecords | None = None,
    now: datetime | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    seed: int = DEFAULT_SEED,
) -> SegmentationReport:
    """Segment the store and store profiles, segments and the model.

    Args:
        redis: Synchronous client (this runs offline: seed or command line).
        keys: Key names.
        records: The store's data when the caller has it in memory (the seed); None: read Redis.
        now: Reference time for recency and tenure; default: the current UTC time.
        k_range: Smallest and largest number of segments tried.
        seed: Random state of K-Means and of the silhouette sample.

    """
    timings: dict[str, float] = {}
    records = records_or_read(redis, keys, records, timings)
    result = segment_store(records, now or datetime.now(UTC), k_range, seed, timings)
    started = time.perf_counter()
    write_segmentation(redis, keys, result.model, result.segments, result.profiles)
    timings["store"] = time.perf_counter() - started
    return SegmentationReport(result.model, result.segments, len(result.profiles), timings)


def records_or_read(
    redis: Redis, keys: Keys, records: StoreRecords | None, seconds: dict[str, float]
) -> StoreRecords:
    """``records`` when the caller holds the store; else the store read from Redis, timed as "read store"."""
    if records is not None:
        return records
    started = time.perf_counter()
    records = read_store(redis, keys)
    seconds["read store"] = time.perf_counter() - started
    return records
