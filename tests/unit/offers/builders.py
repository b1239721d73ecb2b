"""Small builders for offer rules and contexts in tests."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from actions.offers.context import OfferContext
from actions.offers.rules import OfferRule, RuleSet
from actions.offers.validation import parse_rule, parse_rule_set

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)


def rule_data(rule_id: str = "r", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": rule_id,
        "name": f"Rule {rule_id}",
        "kind": "upsell",
        "variants": [{"id": "a", "message": f"offer {rule_id}"}],
    }
    data.update(fields)
    return data


def make_rule(rule_id: str = "r", **fields: Any) -> OfferRule:
    return parse_rule(rule_data(rule_id, **fields))


def rule_set(*rules: dict[str, Any]) -> RuleSet:
    return parse_rule_set(list(rules))


def context(**fields: Any) -> OfferContext:
    data: dict[str, Any] = {"conversation_id": "conv-1", "customer_id": "C10001", "now": NOW}
    data.update(fields)
    return OfferContext(**data)


class FixedStock:
    """A stock source with a fixed set of products in stock, in fixed categories."""

    def __init__(self, in_stock: set[str], categories: dict[str, str] | None = None) -> None:
        self.available = in_stock
        self.category_of = categories or {}
        self.calls = 0

    async def in_stock(self, product_ids: Collection[str]) -> set[str]:
        self.calls += 1
        return set(product_ids) & self.available

    async def categories(self, product_ids: Collection[str]) -> dict[str, str]:
        return {p: self.category_of[p] for p in product_ids if p in self.category_of}
