"""Fact extraction: each kind of fact, and number wordings that mean the same."""

from __future__ import annotations

from actions.knowledge.facts import FactSet, extract_facts


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.key) for f in extract_facts(text)]


def test_each_kind_of_fact_is_found() -> None:
    text = (
        "E-mail support@shop.example, see https://help.shop.example/a. Call +1 (555) 010-2030. "
        "It costs $1,049.50, 15% off until March 3, 2027. Order 104233. Ships Monday. Up to 48 hours."
    )
    assert _kinds(text) == [
        ("email", "support@shop.example"),
        ("url", "help.shop.example/a"),
        ("date", "03-03"),
        ("date", "monday"),
        ("money", "usd:1049.5"),
        ("percent", "15"),
        ("phone", "15550102030"),
        ("identifier", "104233"),
        ("number", "48"),
    ]


def test_dates_in_several_formats_share_a_key() -> None:
    keys = {f.key for text in ("3 March", "March 3rd", "2027-03-03", "3/03") for f in extract_facts(text)}
    assert keys == {"03-03"}


def test_number_words_match_digits_and_ranges() -> None:
    context = FactSet.of(["Refunds take 5-10 business days; returns within 30 days; prices from $50."])
    for reply in ("thirty days", "ten business days", "50 dollars"):
        assert all(context.supports(f) for f in extract_facts(reply)), reply
    assert not any(context.supports(f) for f in extract_facts("forty days"))


def test_a_shorter_form_of_a_context_url_is_supported() -> None:
    context = FactSet.of(["https://help.shop.example/articles/returns"])
    assert all(context.supports(f) for f in extract_facts("see help.shop.example"))
    assert not any(context.supports(f) for f in extract_facts("see shop.example/deals"))
