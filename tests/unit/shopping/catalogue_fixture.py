"""A small catalogue in memory (no Redis).

The snapshot the shopping search reads, with a bag-of-words encoder.
"""

from __future__ import annotations

import numpy as np

from actions.recommendations.snapshot import RecommendationSnapshot
from actions.shopping.search import ProductSearch
from actions.store.models import Product
from tests.unit.recommendations.fake_encoder import BagOfWordsEncoder

PRODUCTS = [
    Product(id="P1", name="Nexa Wireless Earbuds", category="Electronics", price=94.99, stock=30,
            description="True wireless earbuds with active noise cancelling and 30 hours of battery.",
            attributes={"colour": "black", "hours": "30"}),
    Product(id="P2", name="Voltra Noise Cancelling Headphones", category="Electronics", price=167.99,
            stock=12,
            description="Over-ear headphones with active noise cancelling, multipoint Bluetooth and "
                        "50 hours of battery.",
            attributes={"colour": "navy", "hours": "50"}),
    Product(id="P3", name="Aurion Smartwatch Pro", category="Electronics", price=23.99, stock=5,
            description="Fitness smartwatch with heart-rate tracking, GPS and sleep tracking.",
            attributes={"colour": "rose gold", "hours": "120"}),
    Product(id="P4", name="Peakform Hiking Boot", category="Shoes", price=128.99, stock=40,
            description="Mid-height hiking boot with a waterproof membrane and ankle support.",
            attributes={"size": "10"}),
    Product(id="P5", name="Summitra Camping Tent", category="Sports & Outdoors", price=35.99, stock=84,
            description="2-person backpacking tent with a 1.3 kg packed weight and two doors.",
            attributes={"people": "2", "weight": "1.3 kg"}),
    Product(id="P6", name="Ridgeway Camping Tent Max", category="Sports & Outdoors", price=158.99, stock=0,
            description="3-person backpacking tent with a 1.8 kg packed weight and two doors.",
            attributes={"people": "3", "weight": "1.8 kg"}),
    Product(id="P7", name="Basecamp Headlamp", category="Sports & Outdoors", price=24.99, stock=50,
            description="Rechargeable 300-lumen headlamp with a red night mode for hiking and camping.",
            attributes={"lumens": "300"}),
    Product(id="P8", name="Lantern Press Cookbook", category="Books", price=12.99, stock=100,
            description="Weeknight Vegetarian cookbook with 100 tested recipes for home cooking; hardcover.",
            attributes={"count": "100"}),
    Product(id="P9", name="Greenthumb Pruning Shears", category="Garden", price=26.99, stock=20,
            description="Bypass pruning shears with a rust-resistant blade for gardening.", attributes={}),
    Product(id="P10", name="Greenthumb Watering Can", category="Garden", price=31.99, stock=2,
            description="5 L galvanised steel watering can with a removable rose for the garden.",
            attributes={"capacity": "5 L"}),
]  # fmt: skip


def snapshot(products: list[Product] = PRODUCTS) -> RecommendationSnapshot:
    """The snapshot of ``products``, with bag-of-words vectors of their descriptions."""
    encoder = BagOfWordsEncoder()
    vectors = encoder.encode([f"{p.name} {p.category} {p.description}" for p in products])
    categories = sorted({p.category for p in products})
    return RecommendationSnapshot(
        versions=("1", "1", "1", "1"),
        products=products,
        position={p.id: i for i, p in enumerate(products)},
        vectors=vectors,
        has_vector=np.ones(len(products), dtype=bool),
        in_stock=np.array([p.in_stock for p in products], dtype=bool),
        category_of=np.array([categories.index(p.category) for p in products], dtype=np.int64),
        categories=categories,
        segments={},
        together={},
        popular=[p.id for p in products],
        vocabulary={},
    )


class FixedSnapshots:
    """A snapshot loader that never reloads."""

    def __init__(self, value: RecommendationSnapshot) -> None:
        self.value = value

    async def current(self) -> RecommendationSnapshot:
        return self.value


def product_search() -> ProductSearch:
    return ProductSearch(FixedSnapshots(snapshot()), BagOfWordsEncoder())  # type: ignore[arg-type]
