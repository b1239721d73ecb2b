"""Everything computed offline about customers, in one call the seed makes after loading the store."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from redis import Redis

from actions.keys import Keys
from actions.recommendations.tables import bought_together, write_tables
from actions.segments.best_sellers import best_sellers
from actions.segments.clustering import DEFAULT_K_RANGE, DEFAULT_SEED
from actions.segments.run import SegmentationReport, run_segmentation
from actions.segments.store_snapshot import StoreRecords, read_store


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
    redis: Redis,
    keys: Keys,
    records: StoreRecords | None = None,
    now: datetime | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    seed: int = DEFAULT_SEED,
) -> IntelligenceReport:
    """Segment the customers (profiles, segments, best sellers, model) and build the recommendation tables.

    Prints nothing: callers print ``report.lines()`` (the timings included).

    Args:
        redis: Synchronous client.
        keys: Key names.
        records: The store when the caller holds it (the seed: ``StoreRecords(store.customers,
            store.orders, store.products)``); None: read it from Redis.
        now: Reference time for recency and tenure; default: the current UTC time.
        k_range: Smallest and largest number of segments tried.
        seed: Random state of the clustering.

    """
    seconds: dict[str, float] = {}
    if records is None:
        started = time.perf_counter()
        records = read_store(redis, keys)
        seconds["read store"] = time.perf_counter() - started
    started = time.perf_counter()
    segmentation = run_segmentation(redis, keys, records, now=now, k_range=k_range, seed=seed)
    seconds["segmentation"] = time.perf_counter() - started
    started = time.perf_counter()
    together = bought_together(records.orders)
    version = write_tables(redis, keys, together, best_sellers(records.orders))
    seconds["recommendation tables"] = time.perf_counter() - started
    return IntelligenceReport(segmentation, len(together), version, seconds)
