"""Orders and products named by role ("an order in transit"), found in the store the assistant runs on.

A conversation names the data it needs by role; ``StoreRoles`` picks a matching
order or product from the store in Redis, the same one every run for a given
conversation, and fills the turn's placeholders (``{order.id}``, ``{item.price}``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from redis import Redis

from actions.keys import Keys
from actions.knowledge.passages import price_text
from actions.redis_edge import text
from actions.store.models import Order, Product, StorePolicy
from actions.store.returns import assess_return

OrderTest = Callable[[Order, StorePolicy, date], bool]

ORDER_ROLES: dict[str, OrderTest] = {
    "any": lambda o, p, d: True,
    "in_transit": lambda o, p, d: o.status in ("shipped", "in_transit") and o.tracking_number is not None,
    "processing": lambda o, p, d: o.status == "processing",
    "delivered": lambda o, p, d: o.status == "delivered",
    "returnable": lambda o, p, d: (
        assess_return(o, p, d).verdict == "eligible" and not assess_return(o, p, d).excluded
    ),
    "return_window_closed": lambda o, p, d: assess_return(o, p, d).verdict == "window_closed",
    "cancelled": lambda o, p, d: o.status == "cancelled",
    "returned": lambda o, p, d: o.status == "returned",
}

# "in_stock", "out_of_stock", "final_sale" or "any", optionally "... in <Category>" and/or
# "... under <amount>".
PRODUCT_ROLE_PATTERN = "in_stock|out_of_stock|final_sale|any [in <Category>] [under <amount>]"
_PRODUCT_ROLE = re.compile(
    r"^(in_stock|out_of_stock|final_sale|any)(?: in ([A-Za-z&' ]+?))?(?: under (\d+(?:\.\d+)?))?$"
)


@dataclass(frozen=True)
class ProductRole:
    """A parsed product role."""

    kind: str
    category: str | None
    under: float | None

    def matches(self, product: Product) -> bool:
        """Whether the product plays this role."""
        kind_ok = {
            "any": True,
            "in_stock": product.in_stock and not product.final_sale,
            "out_of_stock": not product.in_stock,
            "final_sale": product.final_sale and product.in_stock,
        }[self.kind]
        category_ok = self.category is None or product.category.lower() == self.category.lower()
        return kind_ok and category_ok and (self.under is None or product.price < self.under)


def parse_product_role(role: str) -> ProductRole | None:
    """The role, or None when it does not follow PRODUCT_ROLE_PATTERN."""
    match = _PRODUCT_ROLE.match(role.strip())
    if match is None:
        return None
    return ProductRole(match.group(1), match.group(2), float(match.group(3)) if match.group(3) else None)


class RoleNotFound(LookupError):
    """The store has no order or product in that role."""


class StoreRoles:
    """The store's orders and products, read once, to resolve roles."""

    def __init__(
        self, orders: list[Order], products: list[Product], policy: StorePolicy, today: date
    ) -> None:
        self._orders = sorted(orders, key=lambda o: o.id)
        self._products = sorted(products, key=lambda p: p.id)
        self._policy = policy
        self._today = today

    @classmethod
    def from_redis(cls, redis: Redis, keys: Keys, today: date | None = None) -> StoreRoles:
        """Read the store's orders, catalogue and policy (a few seconds for 12,000 orders)."""
        order_ids = sorted(text(i) for i in redis.smembers(keys.order_ids))
        raw_orders = redis.mget([keys.order(i) for i in order_ids]) if order_ids else []
        orders = [Order.model_validate_json(raw) for raw in raw_orders if raw is not None]
        products = [Product.model_validate_json(raw) for raw in redis.hgetall(keys.products).values()]
        raw_policy = redis.get(keys.policy)
        if raw_policy is None or not products:
            raise RoleNotFound(f"no store in Redis under {keys.prefix}: seed the demo store first")
        return cls(orders, products, StorePolicy.model_validate_json(raw_policy), today or date.today())

    def values(
        self, conversation: str, orders: Mapping[str, str], products: Mapping[str, str]
    ) -> dict[str, str]:
        """Placeholder values ("order.id" -> "104233") for one conversation, the same on every run."""
        rng = random.Random(conversation)
        values: dict[str, str] = {}
        used: set[str] = set()
        for name, role in orders.items():
            test = ORDER_ROLES[role]
            candidates = [o for o in self._orders if o.id not in used and test(o, self._policy, self._today)]
            if not candidates:
                raise RoleNotFound(f"no order in role {role!r}")
            order = rng.choice(candidates)
            used.add(order.id)
            values.update(self._order_values(name, order))
        for name, role in products.items():
            parsed = parse_product_role(role)
            assert parsed is not None  # the suite's loader checked it
            matching = [p for p in self._products if p.id not in used and parsed.matches(p)]
            if not matching:
                raise RoleNotFound(f"no product in role {role!r}")
            product = rng.choice(matching)
            used.add(product.id)
            values.update(self._product_values(name, product))
        return values

    def _order_values(self, name: str, order: Order) -> dict[str, str]:
        return {
            f"{name}.id": order.id,
            f"{name}.email": order.email,
            f"{name}.status": order.status.replace("_", " "),
            f"{name}.carrier": order.carrier or "",
            f"{name}.tracking_number": order.tracking_number or "",
            f"{name}.item": order.items[0].name,
        }

    def _product_values(self, name: str, product: Product) -> dict[str, str]:
        return {
            f"{name}.id": product.id,
            f"{name}.name": product.name,
            f"{name}.price": price_text(product.price, self._policy.currency),
            f"{name}.category": product.category,
        }


_PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace ``{order.id}``-style placeholders; an unknown one is an error, not silence."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"unknown placeholder {{{key}}}")
        return values[key]

    return _PLACEHOLDER.sub(replace, text)
