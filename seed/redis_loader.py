"""Writes a validated store into Redis, replacing what an earlier load left."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from redis import Redis

from actions.keys import Keys
from actions.redis_edge import text
from seed.generate import DemoStore

BATCH = 2000


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote."""

    version: str
    products: int
    articles: int
    customers: int
    orders: int
    removed_orders: int
    seconds: float


def store_version(store: DemoStore) -> str:
    """A content hash: unchanged data keeps its version, so caches stay valid."""
    digest = hashlib.sha256()
    digest.update(store.policy.model_dump_json().encode())
    for group in (store.products, store.articles, store.customers, store.orders):
        for item in group:
            digest.update(item.model_dump_json().encode())
    return digest.hexdigest()[:16]


def load_store(redis: Redis, keys: Keys, store: DemoStore, source: str) -> LoadReport:
    """Write the store; stale orders and customers of an earlier load are removed."""
    started = time.perf_counter()
    version = store_version(store)
    old_orders = {text(m) for m in redis.smembers(keys.order_ids)}
    old_customers = {text(m) for m in redis.smembers(keys.customer_ids)}
    new_orders = {o.id for o in store.orders}
    new_customers = {c.id for c in store.customers}

    pipe = redis.pipeline(transaction=False)
    for count, customer in enumerate(store.customers, start=1):
        pipe.set(keys.customer(customer.id), customer.model_dump_json())
        pipe.delete(keys.customer_orders(customer.id))
        if count % BATCH == 0:
            pipe.execute()
    for count, order in enumerate(store.orders, start=1):
        pipe.set(keys.order(order.id), order.model_dump_json(exclude_none=True))
        pipe.zadd(keys.customer_orders(order.customer_id), {order.id: order.placed_at.timestamp()})
        if count % BATCH == 0:
            pipe.execute()
    for order_id in old_orders - new_orders:
        pipe.delete(keys.order(order_id))
    for customer_id in old_customers - new_customers:
        pipe.delete(keys.customer(customer_id), keys.customer_orders(customer_id))
    pipe.execute()

    # The catalogue, help centre, id sets and version switch in one transaction,
    # so a reader never sees half of an old and half of a new catalogue.
    with redis.pipeline(transaction=True) as tx:
        tx.delete(keys.products, keys.articles, keys.order_ids, keys.customer_ids)
        tx.hset(keys.products, mapping={p.id: p.model_dump_json() for p in store.products})
        tx.hset(keys.articles, mapping={a.id: a.model_dump_json() for a in store.articles})
        tx.sadd(keys.order_ids, *new_orders)
        tx.sadd(keys.customer_ids, *new_customers)
        tx.set(keys.policy, store.policy.model_dump_json())
        tx.hset(keys.meta, mapping={"version": version, "source": source, "loaded_at": time.time()})
        tx.execute()
    return LoadReport(
        version=version,
        products=len(store.products),
        articles=len(store.articles),
        customers=len(store.customers),
        orders=len(store.orders),
        removed_orders=len(old_orders - new_orders),
        seconds=time.perf_counter() - started,
    )
