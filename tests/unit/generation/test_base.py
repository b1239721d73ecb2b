"""What every backend shares: when a streamed reply holds the sentences the caller asked for."""

from __future__ import annotations

import pytest

from actions.generation.base import has_enough_sentences


@pytest.mark.parametrize(
    ("text", "wanted", "enough"),
    [
        ("Yes, we ship to Canada.", 1, False),  # the next token may still be ".com" or a digit
        ("Yes, we ship to Canada. We", 1, True),
        ("Shipping costs $24.99 flat", 1, False),  # a decimal point ends nothing
        ("Shipping costs $24.99. It", 2, False),
        ('Select "Cancel order." Then', 1, True),
        ("One. Two. Thr", 2, True),
        ("Yes\n\nAlso", 3, True),  # the reply is its first paragraph
        ("One. Two. Three. Four.", None, False),
    ],
)
def test_sentences_are_counted_as_they_stream(text: str, wanted: int | None, enough: bool) -> None:
    assert has_enough_sentences(text, wanted) is enough
