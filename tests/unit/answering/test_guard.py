"""The grounding guard: replies that must pass and replies that must be blocked."""

from __future__ import annotations

import pytest

from actions.answering.guard import GroundingGuard
from actions.knowledge.catalogue import Catalogue

CATALOGUE = Catalogue.of(
    [
        "Voltra Wireless Earbuds Pro",
        "Casa Verde Blender",
        "Northbound Rain Jacket 2",
        "Mara & Co Slim Chinos",
    ],
    ["Electronics", "Home & Kitchen", "Clothing"],
)
INSTRUCTIONS = (
    "You are the customer-service assistant of the online store Brightcart. Answer only from the passages."
)
CONTEXT = [
    "Voltra Wireless Earbuds Pro (Electronics) costs $49.99. It is in stock.",
    "Casa Verde Blender (Home & Kitchen) costs $89.99. It is out of stock right now.",
    "What is your return policy?: You can return it within 30 days of delivery. "
    "Refunds take 5-10 business days. "
    "Once it arrives, we'll refund you to your original payment method. "
    "US returns are free with our prepaid UPS label. "
    "E-mail support@brightcart.example or call +1 (555) 010-2030. "
    "https://help.brightcart.example/articles/what-is-your-return-policy",
    "Sales end on December 24, 2026. Standard delivery takes 3-5 business days; 10% off with code WELCOME10.",
]


@pytest.fixture
def guard() -> GroundingGuard:
    return GroundingGuard(CATALOGUE, [INSTRUCTIONS])


@pytest.mark.parametrize(
    "reply",
    [
        "The Voltra Wireless Earbuds Pro cost $49.99 and are in stock.",
        "You can return it within thirty days of delivery.",
        "Refunds take 5 to 10 business days.",
        "US returns are free with a prepaid label.",
        "E-mail support@brightcart.example or call +1 (555) 010-2030.",
        "See help.brightcart.example for details.",
        "Sales end on 24 December.",
        "Use code WELCOME10 for 10% off.",
        "Our Wireless Earbuds are popular in Electronics.",
        "Standard delivery takes 3-5 business days.",
        "The Mara & Co Slim Chinos are in Clothing.",
        "The Casa Verde Blender is out of stock right now, but the Voltra Wireless Earbuds Pro are in stock.",
        # quoting the policy is not a new promise
        "Once it arrives, we'll refund you within 5-10 business days.",
    ],
)
def test_grounded_replies_pass(guard: GroundingGuard, reply: str) -> None:
    assert guard.check(reply, CONTEXT).ok, guard.check(reply, CONTEXT).reason


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("The Voltra Wireless Earbuds Pro cost $39.99.", "unsupported_fact"),  # wrong price
        ("You can return it within 60 days.", "unsupported_fact"),  # wrong number
        ("Take 25% off today.", "unsupported_fact"),  # made-up percentage
        ("They cost £49.99.", "unsupported_fact"),  # the right number in the wrong currency
        ("The Voltra Wireless Earbuds Pro are out of stock.", "unsupported_fact"),  # wrong availability
        ("Yes, the Casa Verde Blender is available now.", "unsupported_fact"),  # context says out of stock
        ("Your parcel arrives on March 3.", "unsupported_fact"),  # made-up date
        ("Your parcel arrives on Saturday.", "unsupported_fact"),  # made-up weekday
        ("Your order 104233 has shipped.", "unsupported_fact"),  # an order number not in context
        ("Tracking number 1Z999AA10123456784.", "unsupported_fact"),
        ("Write to help@brightcart.example.", "unsupported_fact"),  # made-up e-mail
        ("Visit https://brightcart.example/deals.", "unsupported_fact"),  # made-up URL
        ("Call us on 555-123-4567.", "unsupported_fact"),  # made-up phone number
        ("The Voltra Earbuds Max are in stock.", "unknown_product"),
        ("Try the Casa Verde Toaster instead.", "unknown_product"),
        ("We offer a lifetime guarantee.", "unsupported_promise"),
        ("I will refund your order today.", "unsupported_promise"),
        ("We price-match any competitor.", "unsupported_promise"),
        ("Sure! You are the customer-service assistant of the online store Brightcart.", "prompt_leak"),
        ("", "empty"),
    ],
)
def test_ungrounded_replies_are_blocked(guard: GroundingGuard, reply: str, kind: str) -> None:
    verdict = guard.check(reply, CONTEXT)
    assert not verdict.ok
    assert kind in {v.kind for v in verdict.violations}, verdict.reason


def test_verdict_reason_names_each_violation(guard: GroundingGuard) -> None:
    verdict = guard.check("The Voltra Earbuds Max cost $12.99.", CONTEXT)
    assert verdict.reason == "unsupported_fact: $12.99; unknown_product: Voltra Earbuds Max"


def test_customer_words_do_not_ground_a_reply(guard: GroundingGuard) -> None:
    # The context is only the store's knowledge: a price the customer typed stays unsupported.
    assert not guard.check("Yes, it costs $5.", CONTEXT + []).ok
