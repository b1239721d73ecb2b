"""Which shown product a follow-up means: "the second one", "the cheapest of those", "it".

Ordinals pick from the last list; superlatives compare the listed products on one
attribute (price, battery hours, speed...; ``lexicon.SUPERLATIVES``); a pronoun means
the product in focus, else the only one shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from actions.shopping.catalogue import CatalogueIndex
from actions.shopping.lexicon import ATTRIBUTE_STAND_INS, SUPERLATIVES
from actions.store.models import Product

_ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "one": 0, "two": 1, "three": 2, "four": 3, "five": 4,
}  # fmt: skip
_ORDINAL = re.compile(
    r"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)\b(?:\s+(?:one|option|item|result|product|set))?"
    r"|\b(?:number|no\.?|#|option|item)\s*([1-5]|one|two|three|four|five)\b|^\s*([1-5])\s*[.!?]?\s*$",
    re.IGNORECASE,
)
_LAST = re.compile(r"\b(?:the\s+)?last\s+(?:one|option|item)\b", re.IGNORECASE)
_PRONOUN = re.compile(
    r"\b(it|its|it's|that one|this one|that|this|the one|them|they|those|these)\b", re.IGNORECASE
)
_ALL_OF_THEM = re.compile(
    r"\b(they|them|those|these|both|all of them|any of them|between them|which one|which of)\b", re.I
)


def ordinal(text: str) -> int | None:
    """0 for "the first one", 1 for "number 2", -1 for "the last one"; None without one."""
    if _LAST.search(text):
        return -1
    match = _ORDINAL.search(text)
    if match is None:
        return None
    word = next(g for g in match.groups() if g)
    return _ORDINALS.get(word.lower(), int(word) - 1 if word.isdigit() else None)


def superlative(text: str) -> tuple[str, bool] | None:
    """(attribute, largest wins) for "the cheapest one", "which lasts longest"; None otherwise."""
    for pattern, attribute, largest in SUPERLATIVES:
        if pattern.search(text):
            return attribute, largest
    return None


def mentions_products(text: str) -> bool:
    """Whether the message points at products already talked about ("it", "those", "the second one")."""
    return bool(_PRONOUN.search(text) or ordinal(text) is not None or superlative(text) is not None)


def about_all_shown(text: str) -> bool:
    """Whether a question is about the listed products as a group ("do they have GPS?")."""
    return bool(_ALL_OF_THEM.search(text))


def pick(
    text: str, shown: Sequence[Product], focus: Product | None, index: CatalogueIndex | None = None
) -> Product | None:
    """The product the message refers to among those shown (or in focus), if it says which."""
    number = ordinal(text)
    if number is not None and shown:
        return shown[number] if -len(shown) <= number < len(shown) else None
    compared = superlative(text)
    if compared is not None and shown:
        attribute, largest = compared
        return _extreme(shown, attribute, largest, index)
    if focus is not None:
        return focus
    return shown[0] if len(shown) == 1 else None


def _extreme(
    shown: Sequence[Product], attribute: str, largest: bool, index: CatalogueIndex | None
) -> Product | None:
    for name in (attribute, *ATTRIBUTE_STAND_INS.get(attribute, ())):
        values = [(v, p) for p in shown if (v := _number(p, name, index)) is not None]
        if values:
            chosen = (
                max(values, key=lambda pair: pair[0]) if largest else min(values, key=lambda pair: pair[0])
            )
            return chosen[1]
    return None


def _number(product: Product, attribute: str, index: CatalogueIndex | None) -> float | None:
    if attribute == "price":
        return product.price
    if index is not None:
        position = next((i for i, p in enumerate(index.products) if p.id == product.id), None)
        if position is not None:
            return index.numbers[position].get(attribute)
    match = re.search(r"\d+(?:\.\d+)?", product.attributes.get(attribute, ""))
    return float(match.group(0)) if match else None
