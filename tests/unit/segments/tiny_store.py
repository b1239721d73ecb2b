"""Small hand-made stores for segmentation and recommendation tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from redis import Redis

from actions.keys import Keys
from actions.segments.store_snapshot import StoreRecords
from actions.store.models import Customer, Order, OrderItem, Product

NOW = datetime(2026, 6, 1, 12, 0)


def _product(product_id: str, name: str, category: str, price: float, stock: int) -> Product:
    return Product(
        id=product_id, name=name, category=category, description=f"{name}.", price=price, stock=stock
    )


PRODUCTS = [
    _product("E1", "Voltra Wireless Earbuds", "Electronics", 99.0, 5),
    _product("E2", "Nexa Bluetooth Speaker", "Electronics", 59.0, 5),
    _product("E3", "Aurion Smartwatch", "Electronics", 199.0, 0),
    _product("E4", "Kestrel Webcam", "Electronics", 49.0, 3),
    _product("B1", "Paperleaf Cookbook", "Books", 25.0, 9),
    _product("B2", "Paperleaf Travel Guide", "Books", 19.0, 9),
    _product("B3", "Inkwell Novel", "Books", 15.0, 9),
    _product("G1", "Greenthumb Pruning Shears", "Garden", 29.0, 7),
    _product("G2", "Greenthumb Watering Can", "Garden", 19.0, 7),
]
BY_ID = {p.id: p for p in PRODUCTS}


def customer(customer_id: str, created: date = date(2025, 6, 1)) -> Customer:
    email = f"{customer_id.lower()}@example.com"
    return Customer(
        id=customer_id, first_name="Ann", last_name="Lee", email=email, country="US", created_at=created
    )


def order(
    order_id: str,
    customer_id: str,
    products: list[tuple[str, int]],
    placed: datetime,
    status: str = "delivered",
    voucher: str | None = None,
    total: float | None = None,
) -> Order:
    items = [
        OrderItem(product_id=pid, name=BY_ID[pid].name, category=BY_ID[pid].category, quantity=qty,
                  unit_price=BY_ID[pid].price)
        for pid, qty in products
    ]  # fmt: skip
    amount = sum(i.unit_price * i.quantity for i in items) if total is None else total
    return Order(
        id=order_id,
        customer_id=customer_id,
        email=f"{customer_id.lower()}@example.com",
        status=status,  # type: ignore[arg-type]
        placed_at=placed,
        shipping_method="standard",
        voucher_code=voucher,
        items=items,
        shipping_cost=0.0,
        total=amount,
    )


def clustered_store() -> StoreRecords:
    """Three obvious groups of 12: electronics regulars, voucher-using book buyers, never-bought sign-ups."""
    customers: list[Customer] = []
    orders: list[Order] = []
    number = 1000
    for i in range(12):
        cid = f"E{i:02d}"
        customers.append(customer(cid, date(2023, 1, 1)))
        for j in range(8 + i % 3):
            number += 1
            products = [("E1", 1), ("E2", 1)] if j % 2 else [("E4", 1), ("E2", 1)]
            orders.append(order(str(number), cid, products, NOW - timedelta(days=3 + 4 * j)))
    for i in range(12):
        cid = f"B{i:02d}"
        customers.append(customer(cid, date(2025, 9, 1)))
        for j in range(2):
            number += 1
            products = [("B1", 1), ("B2", 1)] if j else [("B3", 1)]
            orders.append(
                order(str(number), cid, products, NOW - timedelta(days=120 + 30 * j + i), voucher="SAVE10")
            )
    for i in range(12):
        customers.append(customer(f"N{i:02d}", date(2026, 3, 1)))
    return StoreRecords(customers, orders, PRODUCTS)


def load_records(redis: Redis, keys: Keys, records: StoreRecords, version: str = "v1") -> None:
    """Write a store the way the seed's loader does (only the keys our code reads)."""
    pipe = redis.pipeline(transaction=False)
    for c in records.customers:
        pipe.set(keys.customer(c.id), c.model_dump_json())
    for o in records.orders:
        pipe.set(keys.order(o.id), o.model_dump_json(exclude_none=True))
        pipe.zadd(keys.customer_orders(o.customer_id), {o.id: o.placed_at.timestamp()})
    pipe.delete(keys.products)
    pipe.hset(keys.products, mapping={p.id: p.model_dump_json() for p in records.products})
    if records.customers:
        pipe.sadd(keys.customer_ids, *[c.id for c in records.customers])
    if records.orders:
        pipe.sadd(keys.order_ids, *[o.id for o in records.orders])
    pipe.hset(keys.meta, mapping={"version": version})
    pipe.execute()
