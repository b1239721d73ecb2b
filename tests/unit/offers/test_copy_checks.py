"""Offer copy passes only when it states nothing its rule does not: each refusal says why."""

from __future__ import annotations

import pytest

from tests.unit.offers.copy_fixtures import APOLOGY, CHARGER, checker_of, facts_of


def test_the_facts_hold_the_code_the_products_prices_and_the_dates() -> None:
    lines = facts_of(CHARGER).lines()
    assert "Kestrel USB-C Charger Classic (electronics) costs $19.99." in lines
    assert "The offer runs from 27 November 2026 until 24 December 2026." in lines
    assert any("SORRY15" in line for line in facts_of(APOLOGY).lines())


@pytest.mark.parametrize(
    "draft",
    [
        "We're sorry! Take 15% off your next order with the code SORRY15.",
        "Sorry for the trouble: enjoy a 15% discount with the voucher SORRY15.",
        "As one of our regulars, here is 15% off your next order: use SORRY15.",
    ],
)
def test_copy_that_keeps_to_the_rules_facts_passes(draft: str) -> None:
    verdict = checker_of(APOLOGY).check(draft, "frequent, high-value regulars customers")
    assert verdict.ok, verdict.reasons


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        ("Sorry! Take 25% off your next order with the code SORRY15.", "mentions 25% but the rule gives 15%"),
        ("Sorry! Take 15% off your next order with the code SAVE20.",
         "gives the code SAVE20, but the rule's code is SORRY15"),
        ("Sorry! Take 15% off with SORRY15 until Friday.", "mentions Friday, but the rule gives no date"),
        ("Sorry! Take 15% off with SORRY15 until 31 December.",
         "mentions 31 December, but the rule gives no date"),
        ("Sorry! Take 15% off with SORRY15, today only.",
         "promises “today only”, which the rule does not say"),
        ("Sorry! Take 15% off with SORRY15 and free shipping.",
         "promises “free”, which the rule does not offer"),
        ("Sorry! 15% off with SORRY15, guaranteed lowest prices.",
         "promises “guarantee”, which the rule does not offer"),
        ("Sorry! Take 15% off the Meeple Hall Jigsaw Puzzle with SORRY15.",
         "names Meeple Hall Jigsaw Puzzle, which this offer does not include"),
        ("Sorry! Take 15% off with SORRY15 while stocks last.",
         "promises “while stocks last”, which the rule does not say"),
        ("Sorry! Take 15% off with SORRY15, hurry!", "says “hurry”, but the rule has no end date"),
        ("We're sorry for the trouble.", "leaves out the code SORRY15"),
        ("We're sorry for the trouble.", "leaves out the 15% discount"),
    ],
)  # fmt: skip
def test_copy_with_a_fact_the_rule_does_not_state_is_refused_with_the_reason(draft: str, reason: str) -> None:
    verdict = checker_of(APOLOGY).check(draft)
    assert not verdict.ok
    assert reason in verdict.reasons


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        ("Need a charger? The Kestrel USB-C Charger Classic does not charge phones.",
         "says “not” where the offer does not"),
        ("Need a charger? We have just the thing for you.",
         "leaves out the offer's products (Kestrel USB-C Charger Classic)"),
    ],
)  # fmt: skip
def test_copy_that_contradicts_the_offer_or_drops_its_product_is_refused(draft: str, reason: str) -> None:
    assert reason in checker_of(CHARGER).check(draft).reasons


@pytest.mark.parametrize(
    ("draft", "reason"),
    [
        ("The Kestrel USB-C Charger Classic is only $17.99!",
         "mentions $17.99 but the rule's prices are $19.99"),
        ("The Kestrel USB-C Charger Classic is $19.99 until 31 December.",
         "mentions 31 December but the rule's dates are 27 November 2026, 24 December 2026"),
        ("Pair the Kestrel USB-C Charger Classic with a Lantern Press Cookbook.",
         "names Lantern Press Cookbook, which this offer does not include"),
        ("The Kestrel USB-C Charger Classic at $19.99 with the code CHARGE5.",
         "gives the code CHARGE5, but the rule has no discount code"),
    ],
)  # fmt: skip
def test_prices_dates_and_products_come_from_the_rule_and_the_store(draft: str, reason: str) -> None:
    verdict = checker_of(CHARGER).check(draft)
    assert reason in verdict.reasons


@pytest.mark.parametrize(
    "draft",
    [
        "The Kestrel USB-C Charger Classic is $19.99 until 24 December.",
        "Need a charger? The Kestrel USB-C Charger Classic charges phones, for a limited time.",
    ],
)
def test_the_rules_own_price_and_end_date_may_be_said(draft: str) -> None:
    verdict = checker_of(CHARGER).check(draft)
    assert verdict.ok, verdict.reasons


def test_copy_the_facts_do_not_support_in_words_is_refused() -> None:
    verdict = checker_of(CHARGER).check(
        "The Kestrel USB-C Charger Classic is a popular gift. I'm looking for one that fits my criteria."
    )
    assert not verdict.ok
    assert verdict.reasons[0].startswith("says things the rule does not state: ")
    assert "criteria" in verdict.reasons[0]


def test_free_shipping_does_not_make_the_order_free() -> None:
    express = checker_of(APOLOGY, variant=1)
    assert express.check("Enjoy free express shipping on your next order with SORRYSHIP.").ok
    assert express.check("Your next order is free with the code SORRYSHIP.").reasons == [
        "says something is free that the rule does not: it offers free shipping only"
    ]


def test_a_promise_the_rule_makes_is_allowed_for_its_own_variant_only() -> None:
    express = "Sorry about the trouble: your next order ships express for free with the code SORRYSHIP."
    assert checker_of(APOLOGY, variant=1).check(express).ok
    assert not checker_of(APOLOGY, variant=0).check(express).ok


def test_empty_repeated_and_instruction_copy_is_refused() -> None:
    checker = checker_of(APOLOGY)
    assert checker.check("  ").reasons == ["is empty"]
    twice = "Take 15% off with SORRY15. Take 15% off with SORRY15."
    assert "repeats a sentence" in checker.check(twice).reasons
    leak = "Do not add any number, price, date, product or promise that the facts do not state. SORRY15 15%"
    assert "repeats the drafting instructions" in checker.check(leak).reasons
