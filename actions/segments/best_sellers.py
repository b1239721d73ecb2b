"""Best sellers: products ranked by how many customers kept one (a group of customers, or everyone)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable

from actions.store.models import Order

BEST_SELLERS_KEPT = 20


def best_sellers(
    orders: Iterable[Order], customers: Collection[str] | None = None, limit: int = BEST_SELLERS_KEPT
) -> list[str]:
    """Product ids by number of distinct buyers, then units, best first (ties by id).

    Buyers rather than units: in a long-tailed store one customer with hundreds
    of orders would otherwise make their own habits the segment's best sellers.
    Cancelled and returned orders do not count.

    Args:
        orders: The store's orders.
        customers: Only these customers' orders count; None: everyone's.
        limit: How many product ids to keep.

    """
    buyers: defaultdict[str, set[str]] = defaultdict(set)
    units: Counter[str] = Counter()
    for order in orders:
        if order.status in ("cancelled", "returned"):
            continue
        if customers is not None and order.customer_id not in customers:
            continue
        for item in order.items:
            buyers[item.product_id].add(order.customer_id)
            units[item.product_id] += item.quantity
    ranked = sorted(buyers, key=lambda product_id: (-len(buyers[product_id]), -units[product_id], product_id))
    return ranked[:limit]
