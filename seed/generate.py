"""Generates the demo store's export files, deterministically from a seed.

The same seed and reference date always give byte-identical files. Dates are
relative to the reference date (default: today), so a demo store seeded today
has orders in every status, including ones still inside the return window.
"""

from __future__ import annotations

import csv
import json
import random
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from actions.handoff.hours import SupportHours, SupportWindow
from actions.store.models import (
    Article,
    Customer,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    ShippingMethod,
    StorePolicy,
)
from seed.catalogue_words import (
    CATALOGUE,
    COUNTRIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    MODEL_SUFFIXES,
    VOUCHER_CODES,
)
from seed.help_centre_source import read_articles

PRICE_RANGES = {
    "Electronics": (19, 249), "Home & Kitchen": (15, 149), "Clothing": (19, 129),
    "Shoes": (49, 179), "Beauty": (8, 45), "Sports & Outdoors": (12, 299),
    "Toys & Games": (12, 89), "Books": (12, 38), "Garden": (9, 199), "Pet Supplies": (9, 99),
}  # fmt: skip
DELIVERY_DAYS = {"standard": (3, 5), "express": (1, 2), "international": (5, 10)}
SHIPPING_COST = {"standard": 5.99, "express": 14.99, "international": 24.99}
FREE_SHIPPING_FROM = 50.0
HELP_CENTRE_URL = "https://help.brightcart.example/articles/"

POLICY = StorePolicy(
    store_name="Brightcart",
    currency="USD",
    return_window_days=30,
    help_centre_url=HELP_CENTRE_URL,
    non_returnable_categories=[],
    refund_days="5-10 business days",
    # As the help centre says ("What are your customer service hours?"): live chat Mon-Fri
    # 8 am-8 pm ET, Sat 9 am-5 pm ET.
    support_hours=SupportHours(
        timezone="America/New_York",
        timezone_label="ET",
        windows=[
            SupportWindow(days=["mon", "tue", "wed", "thu", "fri"], opens="08:00", closes="20:00"),
            SupportWindow(days=["sat"], opens="09:00", closes="17:00"),
        ],
    ),
)


@dataclass(frozen=True)
class StoreSize:
    """How big a demo store to generate."""

    products_per_category: int = 24
    customers: int = 2400
    orders: int = 12000


@dataclass(frozen=True)
class DemoStore:
    """Everything a store export holds."""

    policy: StorePolicy
    products: list[Product]
    articles: list[Article]
    customers: list[Customer]
    orders: list[Order]


def generate(seed: int, reference: date, size: StoreSize = StoreSize()) -> DemoStore:
    """Build the demo store in memory."""
    rng = random.Random(seed)
    products = _products(rng, size.products_per_category)
    customers = _customers(rng, size.customers, reference)
    orders = _orders(rng, size.orders, customers, products, reference)
    return DemoStore(POLICY, products, read_articles(HELP_CENTRE_URL), customers, orders)


def _products(rng: random.Random, per_category: int) -> list[Product]:
    products: list[Product] = []
    for category, (brands, kinds) in CATALOGUE.items():
        combos = [(k, b, s) for k in kinds for b in brands for s in MODEL_SUFFIXES]
        rng.shuffle(combos)
        # Round-robin over kinds so every kind is in the catalogue.
        combos.sort(key=lambda combo: kinds.index(combo[0]))
        by_kind = {kind[0]: [c for c in combos if c[0] == kind] for kind in kinds}
        chosen: list[tuple[tuple[str, str, dict[str, list[str]]], str, str]] = []
        while len(chosen) < per_category:
            for kind in kinds:
                if by_kind[kind[0]] and len(chosen) < per_category:
                    chosen.append(by_kind[kind[0]].pop())
        low, high = PRICE_RANGES[category]
        for (kind_name, template, options), brand, suffix in chosen:
            attributes = {name: rng.choice(values) for name, values in options.items()}
            number = len(products) + 1
            products.append(
                Product(
                    id=f"P{number:04d}",
                    name=f"{brand} {kind_name}{suffix}",
                    category=category,
                    description=template.format(**attributes),
                    price=round(rng.uniform(low, high)) - 0.01,
                    stock=0 if rng.random() < 0.12 else rng.randint(1, 250),
                    final_sale=rng.random() < 0.06,
                    attributes=attributes,
                )
            )
    return products


def _customers(rng: random.Random, count: int, reference: date) -> list[Customer]:
    customers, emails = [], set()
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}", f"{first}{last[0]}"])
        email = f"{local}@{rng.choice(EMAIL_DOMAINS)}".lower()
        while email in emails:
            email = email.replace("@", f"{rng.randint(1, 99)}@", 1)
        emails.add(email)
        customers.append(
            Customer(
                id=f"C{10000 + number}",
                first_name=first,
                last_name=last,
                email=email,
                country=rng.choice(COUNTRIES),
                created_at=reference - timedelta(days=rng.randint(30, 3 * 365)),
            )
        )
    return customers


def _tracking_number(rng: random.Random, carrier: str) -> str:
    if carrier == "UPS":
        return (
            "1Z"
            + "".join(rng.choices(string.ascii_uppercase + string.digits, k=6))
            + "03"
            + "".join(rng.choices(string.digits, k=8))
        )
    if carrier == "USPS":
        return "9400" + "".join(rng.choices(string.digits, k=18))
    return "".join(rng.choices(string.digits, k=10))


def _orders(
    rng: random.Random, count: int, customers: list[Customer], products: list[Product], reference: date
) -> list[Order]:
    now = datetime.combine(reference, time(hour=12))
    weights = [rng.paretovariate(1.3) for _ in customers]
    categories = sorted({p.category for p in products})
    favourites = {c.id: rng.sample(categories, 2) for c in customers}
    by_category = {cat: [p for p in products if p.category == cat] for cat in categories}
    drafts = []
    for customer in rng.choices(customers, weights=weights, k=count):
        start = max(customer.created_at, reference - timedelta(days=730))
        # Recent days are busier: orders in the last week keep every status alive.
        age_days = min(rng.expovariate(1 / 120), (reference - start).days)
        placed = now - timedelta(days=age_days, minutes=rng.randint(0, 600))
        drafts.append((placed, customer))
    drafts.sort(key=lambda draft: draft[0])
    orders = []
    for number, (placed, customer) in enumerate(drafts, start=100001):
        picks: dict[str, Product] = {}
        for _ in range(rng.choices([1, 2, 3, 4], weights=[50, 30, 14, 6])[0]):
            pool = by_category[rng.choice(favourites[customer.id])] if rng.random() < 0.6 else products
            product = rng.choice(pool)
            picks[product.id] = product
        items = [
            OrderItem(
                product_id=p.id, name=p.name, category=p.category,
                quantity=rng.choices([1, 2, 3], weights=[85, 12, 3])[0],
                unit_price=p.price, final_sale=p.final_sale,
            )
            for p in picks.values()
        ]  # fmt: skip
        orders.append(_order(rng, str(number), customer, placed, now, items))
    return orders


def _order(
    rng: random.Random,
    order_id: str,
    customer: Customer,
    placed: datetime,
    now: datetime,
    items: list[OrderItem],
) -> Order:
    method: ShippingMethod = (
        "international" if customer.country != "US" else ("express" if rng.random() < 0.2 else "standard")
    )
    carrier = {"international": "DHL Express", "express": "UPS"}.get(method) or rng.choice(["UPS", "USPS"])
    voucher = rng.choice(VOUCHER_CODES) if rng.random() < 0.15 else None
    subtotal = sum(i.unit_price * i.quantity for i in items) * (0.9 if voucher else 1.0)
    shipping = 0.0 if method == "standard" and subtotal >= FREE_SHIPPING_FROM else SHIPPING_COST[method]
    shipped = placed + timedelta(hours=rng.randint(3, 30))
    low, high = DELIVERY_DAYS[method]
    eta = shipped + timedelta(days=rng.randint(low, high))
    status: OrderStatus = "delivered"
    delivered = eta
    if rng.random() < 0.03:
        status = "cancelled"
    elif now < shipped:
        status = "processing"
    elif now < eta:
        status = "shipped" if now - shipped < timedelta(days=1) else "in_transit"
    elif (now - eta).days > 10 and rng.random() < 0.05:
        status = "returned"
    sent = status not in ("processing", "cancelled")
    return Order(
        id=order_id,
        customer_id=customer.id,
        email=customer.email,
        status=status,
        placed_at=placed.replace(microsecond=0),
        shipped_at=shipped.replace(microsecond=0) if sent else None,
        delivered_at=delivered.replace(microsecond=0) if status in ("delivered", "returned") else None,
        estimated_delivery=eta.date() if sent or status == "processing" else None,
        shipping_method=method,
        carrier=carrier if sent else None,
        tracking_number=_tracking_number(rng, carrier.split()[0]) if sent else None,
        voucher_code=voucher,
        items=items,
        shipping_cost=shipping,
        total=round(subtotal + shipping, 2),
    )


def write_export(store: DemoStore, directory: Path) -> None:
    """Write the store as export files in the documented format (docs/store-data.md)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "policy.json").write_text(store.policy.model_dump_json(indent=2) + "\n")
    with (directory / "products.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "name", "category", "description", "price", "stock", "final_sale", "attributes"]
        )
        for p in store.products:
            writer.writerow(
                [
                    p.id,
                    p.name,
                    p.category,
                    p.description,
                    f"{p.price:.2f}",
                    p.stock,
                    str(p.final_sale).lower(),
                    json.dumps(p.attributes, sort_keys=True),
                ]
            )
    with (directory / "customers.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "first_name", "last_name", "email", "country", "created_at"])
        for c in store.customers:
            writer.writerow([c.id, c.first_name, c.last_name, c.email, c.country, c.created_at.isoformat()])
    with (directory / "orders.jsonl").open("w") as handle:
        for order in store.orders:
            handle.write(order.model_dump_json(exclude_none=True) + "\n")
    articles = [article.model_dump() for article in store.articles]
    (directory / "articles.json").write_text(json.dumps(articles, indent=2) + "\n")
