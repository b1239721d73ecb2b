"""The demo history's planted purchases: after a first offer or hold, within the week, as the store's."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Literal

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from actions.offers.attribution import CONTROL_ARM, OVERALL
from actions.offers.demo import DEMO_RULES_FILE
from actions.offers.outcomes import compute_outcomes
from actions.offers.validation import read_rules_file
from actions.redis_edge import text
from actions.store.models import Customer, Order, Product
from seed.history.orders import (
    BUY_AFTER_CONTROL,
    BUY_AFTER_EXPOSURE,
    DEMO_ORDER_FIRST,
    add_demo_orders,
    plan_purchases,
    restore_demo_orders,
)
from seed.history.plan import Conversation, OfferStep

KEYS = Keys("cs")
DAY = 86400.0
NOW = 1_800_000_000.0
RULE = read_rules_file(DEMO_RULES_FILE).get("welcome-first-weeks")


def conversation(
    n: int, customer: str | None, kind: Literal["exposure", "control"], at: float
) -> Conversation:
    assert RULE is not None
    step = OfferStep(kind, RULE, "" if kind == "control" else "welcome", at)
    return Conversation(f"demo-{n}", at - 60, customer, 1, "new", False, offers=[step])


def history(customers: int = 2000) -> list[Conversation]:
    """Customers 0-1999 each first exposed (even) or held (odd) 20-30 days ago; some come back later."""
    out = []
    for n in range(customers):
        at = NOW - (20 + n % 10) * DAY
        out.append(conversation(n, f"C{n}", "control" if n % 2 else "exposure", at))
        if n % 5 == 0:  # a later exposure of the same customer changes nothing
            out.append(conversation(n + customers, f"C{n}", "exposure", at + 2 * DAY))
    out.append(conversation(99_999, None, "exposure", NOW - 20 * DAY))  # a visitor: no purchase to link
    return out


def test_purchases_follow_the_first_arm_within_the_week_at_the_planted_rates() -> None:
    conversations = history()
    purchases = plan_purchases(conversations, seed=7, now=NOW)
    assert purchases == plan_purchases(conversations, seed=7, now=NOW)
    assert purchases != plan_purchases(conversations, seed=8, now=NOW)
    firsts: dict[str, float] = {}
    for c in conversations:
        if c.customer_id:
            firsts[c.customer_id] = min(firsts.get(c.customer_id, NOW), c.offers[0].at)
    assert all(firsts[p.customer_id] < p.at <= firsts[p.customer_id] + 7 * DAY for p in purchases)
    exposed = sum(int(p.customer_id[1:]) % 2 == 0 for p in purchases) / 1000
    control = sum(int(p.customer_id[1:]) % 2 == 1 for p in purchases) / 1000
    assert abs(exposed - BUY_AFTER_EXPOSURE) < 0.04 and abs(control - BUY_AFTER_CONTROL) < 0.02
    assert all(p.at < NOW - 25 * DAY for p in plan_purchases(conversations, seed=7, now=NOW - 25 * DAY))


def _store(redis: Redis, customers: int) -> None:
    product = Product(
        id="P1", name="Kestrel Charger", category="Electronics", description="A charger.", price=20, stock=5
    )
    redis.hset(KEYS.products, "P1", product.model_dump_json())
    for n in range(customers):
        customer = Customer(
            id=f"C{n}", first_name="Ann", last_name="Lee", email=f"c{n}@example.com", country="US",
            created_at=date(2026, 1, 1),
        )  # fmt: skip
        redis.set(KEYS.customer(customer.id), customer.model_dump_json())
    redis.sadd(KEYS.order_ids, "100001")


def test_orders_are_written_as_the_store_loader_writes_them_and_the_outcomes_job_finds_them(
    redis_client: Redis, redis_url: str
) -> None:
    _store(redis_client, 200)
    conversations = history(200)
    written = add_demo_orders(redis_client, KEYS, conversations, seed=7, now=NOW)
    ids = sorted(text(m) for m in redis_client.smembers(KEYS.order_ids))
    demo = [i for i in ids if i != "100001"]
    assert written == len(demo) > 0 and demo[0] == str(DEMO_ORDER_FIRST)
    order = Order.model_validate_json(redis_client.get(KEYS.order(demo[0])) or b"")
    placed = redis_client.zscore(KEYS.customer_orders(order.customer_id), order.id)
    assert placed == order.placed_at.timestamp() and order.email == f"{order.customer_id.lower()}@example.com"

    # The history's offer events, as the writer writes them, then the job.
    for c in conversations:
        for step in c.offers:
            fields = {
                "type": step.type,
                "rule": step.rule.id,
                "kind": step.rule.kind,
                "variant": step.variant,
            }
            fields |= {"segment": "1", "conversation": c.id, "customer": c.customer_id or "anonymous"}
            redis_client.xadd(KEYS.offer_events, fields | {"version": "1", "ts": str(step.at)})  # type: ignore[arg-type]

    async def outcomes() -> dict[str, int]:
        client = AsyncRedis.from_url(redis_url)
        try:
            found = (await compute_outcomes(client, KEYS, now=NOW)).rules["welcome-first-weeks"]
        finally:
            await client.aclose()
        exposed, control = found.arm(OVERALL, "welcome"), found.arm(OVERALL, CONTROL_ARM)
        return {
            "exposed": exposed.customers,
            "control": control.customers,
            "bought": exposed.converted + control.converted,
            "anonymous": found.anonymous,
        }

    assert asyncio.run(outcomes()) == {"exposed": 100, "control": 100, "bought": written, "anonymous": 1}


def test_a_store_reload_drops_the_demo_orders_and_the_next_start_puts_them_back(redis_client: Redis) -> None:
    _store(redis_client, 50)
    written = add_demo_orders(redis_client, KEYS, history(50), seed=7, now=NOW)
    before = {
        c: redis_client.zrange(KEYS.customer_orders(f"C{c}"), 0, -1, withscores=True) for c in range(50)
    }
    # What seed/redis_loader.py does to orders it did not load.
    for n in range(50):
        redis_client.delete(KEYS.customer_orders(f"C{n}"))
    for order_id in redis_client.smembers(KEYS.order_ids):
        redis_client.delete(KEYS.order(text(order_id)))
    redis_client.delete(KEYS.order_ids)
    assert restore_demo_orders(redis_client, KEYS) == written > 0
    assert before == {
        c: redis_client.zrange(KEYS.customer_orders(f"C{c}"), 0, -1, withscores=True) for c in range(50)
    }
    assert redis_client.scard(KEYS.order_ids) == written
