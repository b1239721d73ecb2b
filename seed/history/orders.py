"""Demo purchases after offers: orders by demo customers in the week after an offer or a control hold.

The uplift in the offer results (``actions/offers/attribution.py``) compares how often
customers bought within ``ATTRIBUTION_DAYS`` of their first exposure to a rule with how
often its control group did. The demo store's own orders give both groups the same
background; this plants purchases on top of it: after an identified customer's first
exposure to a rule they buy with ``BUY_AFTER_EXPOSURE``, after a first control hold with
``BUY_AFTER_CONTROL`` (deterministic per seed, rule and customer). The rule with a large
control group in the demo rules (``welcome-first-weeks``) then shows a credible uplift;
rules holding out 5-10% have too few control customers in six weeks and say so.

Orders are written exactly as the store loader writes them (``seed/redis_loader.py``):
the ``Order`` JSON, the customer's order sorted set scored by ``placed_at`` and the order
id set, so order lookups and the agent console's recent orders show them too. They are
marked demo by their numbers: from ``DEMO_ORDER_FIRST`` (900001) up, six digits as the
order lookups expect, far above the store's own (100001 up). A copy is kept in
``Keys.demo_history_orders``, so a later start, which reloads the store, puts them back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis

from actions.keys import Keys
from actions.offers.attribution import ATTRIBUTION_DAYS
from actions.redis_edge import text
from actions.store.models import Customer, Order, OrderItem, Product
from seed.generate import _order as store_order  # the generator's own rules for status, shipping, totals
from seed.history.plan import Conversation

DEMO_ORDER_FIRST = 900_001
BUY_AFTER_EXPOSURE = 0.16
BUY_AFTER_CONTROL = 0.03
# A planted order falls this long after the offer at the earliest, and never after the window.
EARLIEST_S = 3600


@dataclass(frozen=True)
class Purchase:
    """A planted purchase: who, when, and after which rule."""

    customer_id: str
    rule: str
    at: float


def plan_purchases(conversations: list[Conversation], seed: int, now: float) -> list[Purchase]:
    """Purchases after each identified customer's first exposure or control hold per rule, oldest first."""
    firsts: dict[tuple[str, str], tuple[float, str]] = {}
    for conversation in conversations:
        if conversation.customer_id is None:
            continue  # an anonymous visitor's purchases cannot be linked to the offer
        for step in conversation.offers:
            key = (step.rule.id, conversation.customer_id)
            if step.type in ("exposure", "control") and (key not in firsts or step.at < firsts[key][0]):
                firsts[key] = (step.at, step.type)
    purchases = []
    for (rule, customer_id), (at, kind) in sorted(firsts.items()):
        rng = random.Random(f"{seed}:{rule}:{customer_id}:purchase")
        chance = BUY_AFTER_CONTROL if kind == "control" else BUY_AFTER_EXPOSURE
        placed = at + rng.uniform(EARLIEST_S, ATTRIBUTION_DAYS * 86400 - EARLIEST_S)
        if rng.random() < chance and placed < now:
            purchases.append(Purchase(customer_id, rule, placed))
    return sorted(purchases, key=lambda p: p.at)


def build_orders(
    purchases: list[Purchase],
    customers: dict[str, Customer],
    products: list[Product],
    first_id: int,
    seed: int,
    now: float,
) -> list[Order]:
    """Each purchase as a store order: one or two products, numbered from ``first_id`` by time."""
    rng = random.Random(f"{seed}:demo-orders")
    today = datetime.fromtimestamp(now, UTC)
    orders = []
    for number, purchase in enumerate(purchases, start=first_id):
        customer = customers.get(purchase.customer_id)
        if customer is None:
            continue
        items = [
            OrderItem(
                product_id=p.id,
                name=p.name,
                category=p.category,
                quantity=1,
                unit_price=p.price,
                final_sale=p.final_sale,
            )
            for p in rng.sample(products, min(len(products), rng.choice([1, 1, 2])))
        ]
        placed = datetime.fromtimestamp(int(purchase.at), UTC)
        orders.append(store_order(rng, str(number), customer, placed, today, items))
    return orders


def add_demo_orders(
    redis: Redis, keys: Keys, conversations: list[Conversation], seed: int, now: float
) -> int:
    """Plan, build and write the demo purchases (module docstring); the number of orders written."""
    purchases = plan_purchases(conversations, seed, now)
    if not purchases:
        return 0
    products = [Product.model_validate_json(raw) for raw in redis.hvals(keys.products)]
    wanted = sorted({p.customer_id for p in purchases})
    raws = redis.mget([keys.customer(c) for c in wanted])
    customers = {c: Customer.model_validate_json(raw) for c, raw in zip(wanted, raws, strict=True) if raw}
    taken = [int(i) for i in (text(m) for m in redis.smembers(keys.order_ids)) if i.isdigit()]
    first_id = max([DEMO_ORDER_FIRST, *(i + 1 for i in taken if i >= DEMO_ORDER_FIRST)])
    orders = build_orders(purchases, customers, products, first_id, seed, now)
    if orders:
        redis.hset(
            keys.demo_history_orders, mapping={o.id: o.model_dump_json(exclude_none=True) for o in orders}
        )
    return _write(redis, keys, orders)


def restore_demo_orders(redis: Redis, keys: Keys) -> int:
    """Write the demo purchases again after the store loader replaced the orders (every demo start).

    The loader drops order ids it did not load and rebuilds each customer's order set, so
    the history's purchases would be gone while its offers stay; they are kept apart
    (``Keys.demo_history_orders``) and put back.
    """
    orders = [Order.model_validate_json(raw) for raw in redis.hvals(keys.demo_history_orders)]
    return _write(redis, keys, orders)


def _write(redis: Redis, keys: Keys, orders: list[Order]) -> int:
    """Orders exactly as ``seed/redis_loader.py`` writes them: the JSON, the customer's set, the id set."""
    pipe = redis.pipeline(transaction=False)
    for order in orders:
        pipe.set(keys.order(order.id), order.model_dump_json(exclude_none=True))
        pipe.zadd(keys.customer_orders(order.customer_id), {order.id: order.placed_at.timestamp()})
    if orders:
        pipe.sadd(keys.order_ids, *(o.id for o in orders))
    pipe.execute()
    return len(orders)
