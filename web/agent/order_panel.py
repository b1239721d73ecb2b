"""The verified order and the signed-in customer, as the conversation pane shows them.

The order is read as the bot read it: ``StoreRepository.find_order`` with the order
number and e-mail the customer gave, so the agent sees an order only where the bot
verified it (``order_value`` is set only then), and never another customer's. Return
eligibility is the bot's own rule, ``actions.store.returns.assess_return``. A
signed-in customer (the ``customer_id`` the Rasa server vouched for) is shown with
their recent orders, from the store's records in Redis.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel
from redis.asyncio import Redis

from actions.keys import Keys
from actions.redis_edge import members, parse_stored, store_call
from actions.store.models import Customer, Order
from actions.store.repository import StoreRepository
from actions.store.returns import assess_return
from web.agent import context_wording as say

RECENT_ORDERS = 5


class ItemLine(BaseModel):
    """One line of an order."""

    name: str
    quantity: int
    unit_price: float
    final_sale: bool


class OrderPanel(BaseModel):
    """A verified order in words and plain values."""

    order_id: str
    status: str
    placed_on: date
    items: list[ItemLine]
    total: float
    currency: str
    shipping_method: str
    carrier: str | None
    tracking_number: str | None
    estimated_delivery: date | None
    delivered_on: date | None
    returns: str
    return_deadline: date | None


class OrderLine(BaseModel):
    """One of a customer's recent orders."""

    order_id: str
    status: str
    placed_on: date
    total: float
    items: int


class CustomerPanel(BaseModel):
    """A signed-in customer's record and recent orders."""

    customer_id: str
    name: str
    email: str
    country: str
    customer_since: date
    recent_orders: list[OrderLine]


async def verified_order(store: StoreRepository, slots: Mapping[str, Any], today: date) -> OrderPanel | None:
    """The order the bot verified in this conversation, or None."""
    order_id, email = slots.get("order_id"), slots.get("email")
    if slots.get("order_value") is None or not order_id or not email:
        return None
    order = await store.find_order(str(order_id), str(email))
    if order is None:
        return None
    policy = await store.policy()
    verdict = assess_return(order, policy, today)
    deadline = verdict.deadline.isoformat() if verdict.deadline else ""
    return OrderPanel(
        order_id=order.id,
        status=say.ORDER_STATUS.get(order.status, order.status),
        placed_on=order.placed_at.date(),
        items=[
            ItemLine(name=i.name, quantity=i.quantity, unit_price=i.unit_price, final_sale=i.final_sale)
            for i in order.items
        ],
        total=order.total,
        currency=policy.currency,
        shipping_method=order.shipping_method,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        estimated_delivery=order.estimated_delivery,
        delivered_on=order.delivered_at.date() if order.delivered_at else None,
        returns=say.RETURN_VERDICT[verdict.verdict].format(deadline=deadline),
        return_deadline=verdict.deadline,
    )


async def signed_in_customer(redis: Redis, keys: Keys, slots: Mapping[str, Any]) -> CustomerPanel | None:
    """The signed-in customer's record and newest orders; None for a visitor or an unknown id."""
    customer_id = slots.get("customer_id")
    if not slots.get("signed_in") or not customer_id:
        return None
    key = keys.customer(str(customer_id))
    with store_call("read the customer"):
        async with redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.zrevrange(keys.customer_orders(str(customer_id)), 0, RECENT_ORDERS - 1)
            raw, order_ids = await pipe.execute()
    if raw is None:
        return None
    customer = parse_stored(Customer, raw, key)
    ids = members(order_ids)
    with store_call("read the customer's orders"):
        raws = await redis.mget([keys.order(i) for i in ids]) if ids else []
    orders = [parse_stored(Order, r, keys.order(i)) for i, r in zip(ids, raws, strict=True) if r is not None]
    return CustomerPanel(
        customer_id=customer.id,
        name=f"{customer.first_name} {customer.last_name}",
        email=customer.email,
        country=customer.country,
        customer_since=customer.created_at,
        recent_orders=[
            OrderLine(
                order_id=o.id,
                status=say.ORDER_STATUS.get(o.status, o.status),
                placed_on=o.placed_at.date(),
                total=o.total,
                items=sum(i.quantity for i in o.items),
            )
            for o in orders
        ],
    )
