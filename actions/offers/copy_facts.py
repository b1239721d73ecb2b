"""The facts of one offer: the only evidence its copy may draw on.

A rule's variant states its offer in the marketer's own message, its discount
code and its products; the store adds the products' names, categories and prices,
the rule its dates. ``OfferFacts.lines`` writes them as plain sentences, which are
both what the copy checks compare a draft with and what templates are filled from.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from actions.knowledge.facts import extract_facts
from actions.offers.rules import OfferRule, Variant
from actions.store.models import Product

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class OfferProduct(BaseModel):
    """A product an offer includes, as the store sells it."""

    model_config = _FROZEN

    id: str
    name: str
    category: str
    price: float


class OfferFacts(BaseModel):
    """What one offer (a rule's variant) states: the only evidence its copy may draw on."""

    model_config = _FROZEN

    rule_id: str
    variant_id: str
    message: str = Field(description="the marketer's own wording of the offer")
    discount_code: str | None = None
    products: tuple[OfferProduct, ...] = ()
    start: date | None = None
    end: date | None = None
    store_name: str = ""
    currency_symbol: str = "$"

    def lines(self) -> list[str]:
        """The facts in plain sentences: the prompt's facts and the checks' evidence."""
        lines = [f"Offer: {self.message}"]
        if self.discount_code:
            # A discount code is a voucher, a coupon, a promo code: copy may call it any of them.
            lines.append(f"Discount code (voucher, coupon, promo code): {self.discount_code}")
        lines += [f"{p.name} ({p.category}) costs {self.price(p.price)}." for p in self.products]
        if self.start and self.end:
            lines.append(f"The offer runs from {_day(self.start)} until {_day(self.end)}.")
        elif self.end:
            lines.append(f"The offer runs until {_day(self.end)}.")
        elif self.start:
            lines.append(f"The offer starts on {_day(self.start)}.")
        if self.store_name:
            lines.append(f"Store: {self.store_name}.")
        return lines

    def price(self, amount: float) -> str:
        """A price as the copy should write it: $19.99, $50."""
        return f"{self.currency_symbol}{amount:,.2f}".replace(".00", "")

    @property
    def percents(self) -> list[str]:
        """Percentages the offer gives, as written ("15%")."""
        return [f.text for f in extract_facts(self.message) if f.kind == "percent"]


def offer_facts(
    rule: OfferRule,
    variant: Variant,
    products: Iterable[Product],
    store_name: str = "",
    currency: str = "USD",
) -> OfferFacts:
    """Collect one variant's facts: its message, code, products with the store's prices, the rule's dates."""
    by_id = {p.id: p for p in products}
    window = rule.conditions
    return OfferFacts(
        rule_id=rule.id,
        variant_id=variant.id,
        message=variant.message,
        discount_code=variant.discount_code,
        products=tuple(
            OfferProduct(id=p.id, name=p.name, category=p.category, price=p.price)
            for p in (by_id.get(pid) for pid in variant.product_ids)
            if p is not None
        ),
        start=_as_date(window.start),
        end=_as_date(window.end),
        store_name=store_name,
        currency_symbol=CURRENCY_SYMBOLS.get(currency.upper(), "$"),
    )


def _as_date(bound: datetime | date | None) -> date | None:
    return bound.date() if isinstance(bound, datetime) else bound


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
