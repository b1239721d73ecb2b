"""An offer rule, its products and catalogue, shared by the offer-copy tests."""

from __future__ import annotations

from actions.knowledge.catalogue import Catalogue
from actions.offers.copy_checks import CopyChecker
from actions.offers.copy_drafts import INSTRUCTIONS
from actions.offers.copy_facts import OfferFacts, offer_facts
from actions.offers.rules import OfferRule
from actions.store.models import Product
from tests.unit.offers.builders import make_rule

PRODUCTS = [
    Product(id=pid, name=name, category=category, description="d", price=price, stock=2)
    for pid, name, category, price in (
        ("P0022", "Kestrel USB-C Charger Classic", "electronics", 19.99),
        ("P0155", "Meeple Hall Jigsaw Puzzle", "toys", 24.5),
        ("P0169", "Lantern Press Cookbook", "books", 18.0),
    )
]
CATALOGUE = Catalogue.of((p.name for p in PRODUCTS), (p.category for p in PRODUCTS))

APOLOGY = make_rule(
    "apology-voucher",
    kind="service_recovery",
    variants=[
        {
            "id": "percent-off",
            "message": "I'm sorry this went wrong. Here is 15% off your next order with the code SORRY15.",
            "discount_code": "SORRY15",
        },
        {"id": "free-express", "message": "Your next order ships express for free with the code SORRYSHIP.",
         "discount_code": "SORRYSHIP"},
    ],
)  # fmt: skip
CHARGER = make_rule(
    "charger",
    conditions={"start": "2026-11-27", "end": "2026-12-24"},
    variants=[
        {"id": "charger", "message": "Need a charger? The Kestrel USB-C Charger Classic charges phones.",
         "product_ids": ["P0022"]}
    ],
)  # fmt: skip


def facts_of(rule: OfferRule, variant: int = 0) -> OfferFacts:
    return offer_facts(rule, rule.variants[variant], PRODUCTS, "Brightcart")


def checker_of(rule: OfferRule, variant: int = 0) -> CopyChecker:
    return CopyChecker(facts_of(rule, variant), CATALOGUE, INSTRUCTIONS)
