"""The carousel payload and its plain-text rendering."""

from __future__ import annotations

import json
import re

import pytest

from actions.errors import ConfigError
from actions.recommendations.carousel import (
    BUTTON_RESPONSE,
    REASON_RESPONSES,
    CarouselWording,
    ask_product_payload,
    carousel_payload,
    render_text,
    wording_from_domain,
)
from actions.recommendations.models import REASON_CODES, Recommendation

REASONS = {
    "similar": "Close to what you asked for",
    "your_categories": "From a category you like",
    "popular_in_segment": "Popular with shoppers like you",
    "popular": "One of our best sellers",
    "bought_together": "Often bought together",
}
WORDING = CarouselWording(button_title="Tell me more", reasons=REASONS)  # type: ignore[arg-type]
ITEMS = [
    Recommendation(product_id="P0001", name="Voltra Wireless Earbuds", price=99.0, category="Electronics",
                   reason="similar", score=0.6),
    Recommendation(product_id="P0200", name="Greenthumb Shears", price=1249.5, category="Garden",
                   reason="bought_together", score=0.2, url="https://shop.example/p/P0200"),
]  # fmt: skip


def test_the_carousel_payload_has_one_card_per_product_in_order() -> None:
    payload = carousel_payload(ITEMS, WORDING)
    assert payload["type"] == "carousel"
    first, second = payload["items"]
    assert first == {
        "product_id": "P0001",
        "title": "Voltra Wireless Earbuds",
        "subtitle": "Close to what you asked for",
        "category": "Electronics",
        "price": 99.0,
        "price_text": "$99.00",
        "reason": "similar",
        "buttons": [{"title": "Tell me more", "payload": '/ask_product{"product_id": "P0001"}'}],
    }
    assert second["url"] == "https://shop.example/p/P0200" and second["price_text"] == "$1,249.50"
    assert "url" not in first
    json.dumps(payload)  # a custom payload must be plain JSON


def test_a_button_payload_is_a_rasa_intent_with_the_product_entity() -> None:
    payload = ask_product_payload('P"1')
    match = re.fullmatch(r"/ask_product(\{.*\})", payload)
    assert match and json.loads(match.group(1)) == {"product_id": 'P"1'}
    assert carousel_payload(ITEMS[:1], WORDING, intent="product_question")["items"][0]["buttons"][0][
        "payload"].startswith("/product_question{")  # fmt: skip


def test_the_text_rendering_numbers_the_products_with_price_and_reason() -> None:
    assert render_text(ITEMS, WORDING) == (
        "1. Voltra Wireless Earbuds (Electronics), $99.00: Close to what you asked for\n"
        "2. Greenthumb Shears (Garden), $1,249.50: Often bought together https://shop.example/p/P0200"
    )
    assert render_text([], WORDING) == ""
    euros = WORDING.model_copy(update={"currency": "EUR"})
    assert "EUR 99.00" in render_text(ITEMS[:1], euros)


def test_the_wording_comes_from_domain_responses() -> None:
    domain = {"responses": {BUTTON_RESPONSE: [{"text": "More"}]}}
    domain["responses"].update(
        {name: [{"text": f"because {code}"}] for code, name in REASON_RESPONSES.items()}
    )
    wording = wording_from_domain(domain, currency="GBP")
    assert wording.button_title == "More" and wording.currency == "GBP"
    assert wording.reasons == {code: f"because {code}" for code in REASON_CODES}
    del domain["responses"][REASON_RESPONSES["popular"]]
    with pytest.raises(ConfigError, match="utter_recommendation_reason_popular"):
        wording_from_domain(domain)


def test_wording_must_cover_every_reason() -> None:
    with pytest.raises(ValueError, match="bought_together"):
        CarouselWording(
            button_title="More", reasons={k: v for k, v in REASONS.items() if k != "bought_together"}
        )  # type: ignore[arg-type]
