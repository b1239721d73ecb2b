"""After a store is loaded: customer segments, recommendation tables and the demo offer rules."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from actions.offers.demo import load_demo_rules
from actions.segments.store_snapshot import StoreRecords
from jobs.intelligence import IntelligenceReport, build_customer_intelligence
from seed.generate import DemoStore

# On the demo store the silhouette peaks at k=3 (buyers, never bought, voucher-driven),
# too coarse for marketers to target; from 5 up it finds the frequent high-value
# regulars and the lapsed customers the demo rules address (docs/segments.md).
DEMO_K_RANGE = (5, 8)


@dataclass(frozen=True)
class PersonalisationReport:
    """What the seed step built."""

    intelligence: IntelligenceReport
    rules_version: int | None

    def lines(self) -> list[str]:
        """Printable summary."""
        rules = f"demo offer rules saved as version {self.rules_version}" if self.rules_version else (
            "offer rules kept as they are (marketers' edits are never overwritten by a seed)"
        )  # fmt: skip
        return [*self.intelligence.lines(), rules]


def prepare_personalisation(
    redis: Redis, redis_url: str, keys: Keys, store: DemoStore
) -> PersonalisationReport:
    """Segment the store's customers, build the recommendation tables.

    And load the demo rules if none exist.
    """
    records = StoreRecords(store.customers, store.orders, store.products)
    intelligence = build_customer_intelligence(redis, keys, records, k_range=DEMO_K_RANGE)
    return PersonalisationReport(intelligence, asyncio.run(_demo_rules(redis_url, keys)))


async def _demo_rules(redis_url: str, keys: Keys) -> int | None:
    client = AsyncRedis.from_url(redis_url)
    try:
        saved = await load_demo_rules(client, keys)
    finally:
        await client.aclose()
    return saved.version if saved else None
