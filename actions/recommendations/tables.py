"""Offline recommendation tables: items bought together and store-wide best sellers.

Bought together counts customers, not orders: a pair scores once per customer
who had both products in one order, so one customer with hundreds of orders
cannot make their habits everyone's. The score is the cosine of the two
products' buyer sets, ``together(a, b) / sqrt(buyers(a) * buyers(b))``, kept
when at least TOGETHER_MIN_CUSTOMERS customers bought the pair.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

from pydantic import TypeAdapter, ValidationError
from redis import Redis

from actions.errors import StoreDataError
from actions.keys import CUSTOMER_INTELLIGENCE_TTL_S, Keys
from actions.redis_edge import store_call, text
from actions.store.models import Order

TOGETHER_MIN_CUSTOMERS = 2
TOGETHER_KEPT = 10

Together = dict[str, list[tuple[str, float]]]
_PAIRS = TypeAdapter(list[tuple[str, float]])
_IDS = TypeAdapter(list[str])


def bought_together(
    orders: Iterable[Order], min_customers: int = TOGETHER_MIN_CUSTOMERS, kept: int = TOGETHER_KEPT
) -> Together:
    """Product id -> [(other product id, score)], best first; cancelled orders do not count."""
    pair_buyers: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    buyers: defaultdict[str, set[str]] = defaultdict(set)
    for order in orders:
        if order.status == "cancelled":
            continue
        products = sorted({item.product_id for item in order.items})
        for product_id in products:
            buyers[product_id].add(order.customer_id)
        for pair in combinations(products, 2):
            pair_buyers[pair].add(order.customer_id)
    neighbours: defaultdict[str, list[tuple[str, float]]] = defaultdict(list)
    for (a, b), customers in pair_buyers.items():
        if len(customers) < min_customers:
            continue
        score = round(len(customers) / math.sqrt(len(buyers[a]) * len(buyers[b])), 4)
        neighbours[a].append((b, score))
        neighbours[b].append((a, score))
    return {
        product_id: sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:kept]
        for product_id, pairs in sorted(neighbours.items())
    }


def tables_version(together: Together, popular: list[str]) -> str:
    """Content hash of the tables: readers reload when it changes."""
    payload = json.dumps([sorted(together.items()), popular])
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


def write_tables(redis: Redis, keys: Keys, together: Together, popular: list[str]) -> str:
    """Replace the bought-together table and store-wide best sellers at once; return their version."""
    version = tables_version(together, popular)
    ttl = CUSTOMER_INTELLIGENCE_TTL_S
    with store_call("store the recommendation tables", with_cause=True):
        with redis.pipeline(transaction=True) as tx:
            tx.delete(keys.bought_together, keys.recommendation_meta)
            if together:
                tx.hset(
                    keys.bought_together,
                    mapping={pid: json.dumps(pairs) for pid, pairs in together.items()},
                )
                tx.expire(keys.bought_together, ttl)
            tx.hset(
                keys.recommendation_meta,
                mapping={"version": version, "built_at": time.time(), "popular": json.dumps(popular)},
            )
            tx.expire(keys.recommendation_meta, ttl)
            tx.execute()
    return version


def parse_together(raw: dict[bytes, bytes]) -> Together:
    """Parse the bought-together hash as read from Redis."""
    try:
        return {text(key): _PAIRS.validate_json(value) for key, value in raw.items()}
    except ValidationError as error:
        raise StoreDataError("the bought-together table is malformed: rebuild it") from error


def parse_popular(raw: bytes | None) -> list[str]:
    """Parse the store-wide best sellers as read from ``recommendation_meta``."""
    if raw is None:
        return []
    try:
        return _IDS.validate_json(raw)
    except ValidationError as error:
        raise StoreDataError("the store-wide best sellers are malformed: rebuild them") from error
