"""Everything computed offline about customers, in one call the seed makes after loading the store."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Unpack

from redis import Redis

from actions.keys import Keys
from actions.recommendations.tables import bought_together, write_tables
from actions.segments.best_sellers import best_sellers
from actions.segments.store_snapshot import StoreRecords
from jobs.segmentation import RunOptions, SegmentationReport, records_or_read, run_segmentation


@dataclass(frozen=True)
class IntelligenceReport:
    """What the offline build produced and how long each part took."""

    segmentation: SegmentationReport
    products_with_neighbours: int
    tables_version: str
    seconds: dict[str, float]

    def lines(self) -> list[str]:
        """Summary lines for the seed's output."""
        total = sum(self.seconds.values())
        return [
            *self.segmentation.lines(),
            f"bought together: {self.products_with_neighbours} products with neighbours "
            f"(tables version {self.tables_version})",
            "customer intelligence built in "
            + f"{total:.1f} s ("
            + ", ".join(f"{name} {value:.2f} s" for name, value in self.seconds.items())
            + ")",
        ]


def build_customer_intelligence(
    redis: Redis, keys: Keys, records: StoreRecords | None = None, **options: Unpack[RunOptions]
) -> IntelligenceReport:
    """Segment the customers (profiles, segments, best sellers, model) and build the recommendation tables.

    Prints nothing: callers print ``report.lines()`` (the timings included).

    Args:
        redis: Synchronous client.
        keys: Key names.
        records: The store when the caller holds it (the seed: ``StoreRecords(store.customers,
            store.orders, store.products)``); None: read it from Redis.
        **options: ``now``, ``k_range`` and ``seed``, passed on to ``run_segmentation``.

    """
    seconds: dict[str, float] = {}
    records = records_or_read(redis, keys, records, seconds)
    started = time.perf_counter()
    segmentation = run_segmentation(redis, keys, records, **options)
    seconds["segmentation"] = time.perf_counter() - started
    started = time.perf_counter()
    together = bought_together(records.orders)
    version = write_tables(redis, keys, together, best_sellers(records.orders))
    seconds["recommendation tables"] = time.perf_counter() - started
    return IntelligenceReport(segmentation, len(together), version, seconds)
