"""Example messages shown to marketers carry no e-mail, phone, order number, customer id or name."""

from __future__ import annotations

import pytest

from actions.insights.masking import Masker

MASKER = Masker.for_store(["Terrapin Trail Running Shoe Lite", "Peakform Rain Jacket", "Shoes"])


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        ("my email is laura.c@example.net", "my email is [e-mail]"),
        ("call me back on +1 (555) 123-4567", "call me back on [phone]"),
        ("where is order #111790?", "where is order [order number]?"),
        ("111790 still not here", "[order number] still not here"),
        ("card 4111 1111 1111 1111 was charged twice", "card [card number] was charged twice"),
        ("my customer id is C10001", "my customer id is [customer id]"),
        ("hi, my name is sarah connor and my parcel is late", "hi, my name is [name] and my parcel is late"),
        ("I'm Tom Baker, where is my refund", "I'm [name], where is my refund"),
        ("Mrs Jones here. Do you ship to Canada on Monday?", "[name] here. Do you ship to Canada on Monday?"),
        ("my daughter Emma loves the Peakform jacket", "my daughter [name] loves the Peakform jacket"),
        ("Thanks, Anna", "Thanks, [name]"),
    ],
)
def test_personal_data_is_masked(message: str, masked: str) -> None:
    assert MASKER.mask(message) == masked


@pytest.mark.parametrize(
    "message",
    [
        "I'm looking for the Terrapin Trail shoes",  # "I'm" + lower case, store words
        "my name is on the order",  # "my name is" followed by no name
        "I am Very angry about this",  # a capitalised common word
        "Is the jacket waterproof? Shipping to the UK with DHL",  # sentence starts, carrier, country
        "tracking 9400583907418309934177 shows nothing",  # a tracking number is not a phone
        "I paid 2026 dollars for 12 items",  # short numbers stay
    ],
)
def test_what_the_message_is_about_is_kept(message: str) -> None:
    assert MASKER.mask(message) == message


def test_the_store_order_number_format_is_configurable() -> None:
    masker = Masker(order_id_pattern=r"BC-\d{4}")
    assert masker.mask("order BC-1234 and 111790") == "order [order number] and 111790"
