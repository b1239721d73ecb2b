"""Reads the whole store (customers, orders, products) from Redis for offline computations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel
from redis import Redis

from actions.errors import StoreDataError
from actions.keys import Keys
from actions.redis_edge import parse_stored, store_call, text
from actions.store.models import Customer, Order, Product

# Keys per MGET: big enough to amortise round trips, small enough not to block Redis.
BATCH = 2000

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class StoreRecords:
    """The parts of a store that segmentation and recommendations learn from."""

    customers: list[Customer]
    orders: list[Order]
    products: list[Product]


def _many(redis: Redis, model: type[ModelT], keys: list[str]) -> list[ModelT]:
    parsed: list[ModelT] = []
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        for key, raw in zip(chunk, redis.mget(chunk), strict=True):
            # An id listed but deleted (a load in progress) is skipped, not fatal.
            if raw is not None:
                parsed.append(parse_stored(model, raw, key))
    return parsed


def read_store(redis: Redis, keys: Keys) -> StoreRecords:
    """Every customer, order and product, sorted by id; raises StoreDataError if never seeded."""
    with store_call("read the store", with_cause=True):
        customer_ids = sorted(text(m) for m in redis.smembers(keys.customer_ids))
        order_ids = sorted(text(m) for m in redis.smembers(keys.order_ids))
        if not customer_ids:
            raise StoreDataError(f"{keys.customer_ids} is empty: load the store first (python -m seed demo)")
        customers = _many(redis, Customer, [keys.customer(i) for i in customer_ids])
        orders = _many(redis, Order, [keys.order(i) for i in order_ids])
        products = [
            parse_stored(Product, raw, keys.products) for raw in redis.hgetall(keys.products).values()
        ]
    return StoreRecords(customers, orders, sorted(products, key=lambda p: p.id))
