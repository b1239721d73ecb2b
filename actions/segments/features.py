"""Per-customer features from the store's customers and orders (what segments are made of).

Definitions (``docs/segments.md`` has the table):

* a *purchase* is an order that was not cancelled;
* ``recency_days``: days since the last purchase (``None``: never bought);
* ``frequency``: number of purchases;
* ``monetary``: money kept by the store: totals of purchases that were not returned;
* ``avg_order_value``: mean total of the purchases;
* ``category_affinity``: each category's share of the item spend of the purchases;
* ``discount_share``: share of the purchases placed with a voucher code;
* ``tenure_days``: days since the account was created;
* ``return_rate``: share of all orders that were returned or cancelled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from actions.store.models import Customer, Order

SECONDS_PER_DAY = 86_400.0
NUMERIC_FEATURES = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "discount_share",
    "tenure_days",
    "return_rate",
)
# A category counts among a customer's "top" ones only with a real share of spend.
TOP_CATEGORY_MIN_SHARE = 0.15
TOP_CATEGORIES = 3


class CustomerFeatures(BaseModel):
    """What a customer's order history says about them, in plain units."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recency_days: float | None = Field(description="Days since the last purchase; None: never bought.")
    frequency: int = Field(ge=0, description="Purchases (orders not cancelled).")
    monetary: float = Field(ge=0, description="Totals of purchases not returned.")
    avg_order_value: float = Field(ge=0, description="Mean purchase total.")
    discount_share: float = Field(ge=0, le=1, description="Share of purchases with a voucher code.")
    tenure_days: float = Field(ge=0, description="Days since the account was created.")
    return_rate: float = Field(ge=0, le=1, description="Share of orders returned or cancelled.")
    category_affinity: dict[str, float] = Field(
        default_factory=dict, description="Category -> share of item spend; only categories bought."
    )

    def top_categories(self, limit: int = TOP_CATEGORIES) -> list[str]:
        """Return the categories with the largest shares of spend (at least TOP_CATEGORY_MIN_SHARE each)."""
        ranked = sorted(self.category_affinity.items(), key=lambda item: (-item[1], item[0]))
        return [name for name, share in ranked[:limit] if share >= TOP_CATEGORY_MIN_SHARE]


def utc_naive(moment: datetime) -> datetime:
    """Return the datetime in UTC without tzinfo, so aware and naive timestamps compare."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _days_between(earlier: datetime | date, now: datetime) -> float:
    if not isinstance(earlier, datetime):
        earlier = datetime(earlier.year, earlier.month, earlier.day)
    return max(0.0, (now - utc_naive(earlier)).total_seconds() / SECONDS_PER_DAY)


def customer_features(customer: Customer, orders: Sequence[Order], now: datetime) -> CustomerFeatures:
    """Features of one customer from their orders (orders of other customers are ignored)."""
    now = utc_naive(now)
    own = [order for order in orders if order.customer_id == customer.id]
    purchases = [order for order in own if order.status != "cancelled"]
    spend: dict[str, float] = defaultdict(float)
    for order in purchases:
        for item in order.items:
            spend[item.category] += item.unit_price * item.quantity
    item_spend = sum(spend.values())
    last = max((utc_naive(order.placed_at) for order in purchases), default=None)
    frequency = len(purchases)
    return CustomerFeatures(
        recency_days=None if last is None else round(_days_between(last, now), 3),
        frequency=frequency,
        monetary=round(sum(o.total for o in purchases if o.status != "returned"), 2),
        avg_order_value=round(sum(o.total for o in purchases) / frequency, 2) if frequency else 0.0,
        discount_share=round(sum(1 for o in purchases if o.voucher_code) / frequency, 4)
        if frequency
        else 0.0,
        tenure_days=round(_days_between(customer.created_at, now), 3),
        return_rate=(
            round(sum(1 for o in own if o.status in ("returned", "cancelled")) / len(own), 4) if own else 0.0
        ),
        category_affinity=(
            {name: round(value / item_spend, 4) for name, value in sorted(spend.items()) if value > 0}
            if item_spend > 0
            else {}
        ),
    )


def store_features(
    customers: Iterable[Customer], orders: Iterable[Order], now: datetime
) -> dict[str, CustomerFeatures]:
    """Features of every customer, keyed by customer id (customers without orders included)."""
    by_customer: dict[str, list[Order]] = defaultdict(list)
    for order in orders:
        by_customer[order.customer_id].append(order)
    return {c.id: customer_features(c, by_customer.get(c.id, []), now) for c in customers}


def feature_names(categories: Sequence[str]) -> list[str]:
    """Column names of ``raw_vector``: the numeric features, then one affinity per category."""
    return [*NUMERIC_FEATURES, *(f"affinity:{category}" for category in categories)]


def raw_vector(features: CustomerFeatures, categories: Sequence[str]) -> np.ndarray:
    """Return the features as numbers in ``feature_names`` order.

    A customer who never bought gets their tenure as recency: it is how long
    they have gone without buying, which puts them next to lapsed customers.
    """
    recency = features.tenure_days if features.recency_days is None else features.recency_days
    numeric = [
        recency,
        float(features.frequency),
        features.monetary,
        features.avg_order_value,
        features.discount_share,
        features.tenure_days,
        features.return_rate,
    ]
    affinity = [features.category_affinity.get(category, 0.0) for category in categories]
    return np.array(numeric + affinity, dtype=np.float64)


def raw_matrix(features: Sequence[CustomerFeatures], categories: Sequence[str]) -> np.ndarray:
    """One ``raw_vector`` row per customer."""
    if not features:
        return np.zeros((0, len(NUMERIC_FEATURES) + len(categories)), dtype=np.float64)
    return np.vstack([raw_vector(f, categories) for f in features])
