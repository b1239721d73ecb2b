"""The catalogue as the shopping search reads it: tokens, kinds, numbers and colours per product.

Built once per catalogue version from the recommendation snapshot (which already
holds the products, their vectors and the best sellers), so a search is set
operations and one matrix product.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from actions.recommendations.snapshot import RecommendationSnapshot, Versions
from actions.shopping.lexicon import CATEGORY_ALIASES, COLOUR_FAMILIES, FEATURE_GROUPS, TYPE_GROUPS, singular
from actions.store.models import Product

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# A typo is corrected only to a word this close ("hedphones" -> "headphones", not "mat" -> "cat").
SPELLING_CUTOFF = 0.88
SPELLING_MIN_LENGTH = 7


def tokens(text: str) -> list[str]:
    """Singular lower-case words; a hyphenated word also gives its parts ('usb-c' -> usb-c, usb, c)."""
    found: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        found.append(singular(token.removesuffix("'s")))
        if "-" in token:
            found += [singular(part) for part in token.split("-") if part]
    return found


def phrases(words: list[str]) -> set[str]:
    """Every word and every pair of neighbouring words."""
    return set(words) | {f"{a} {b}" for a, b in pairwise(words)}


@dataclass(frozen=True)
class CatalogueIndex:
    """Per product (in the snapshot's order): its words, its kind's words, numbers and colours."""

    versions: Versions
    products: list[Product]
    vectors: np.ndarray
    has_vector: np.ndarray
    popularity: np.ndarray
    name_words: list[frozenset[str]]
    text_words: list[frozenset[str]]
    numbers: list[dict[str, float]]
    colours: list[str]
    vocabulary: frozenset[str]
    category_of_word: dict[str, str]
    by_category: dict[str, list[int]]
    full_names: list[str]

    @classmethod
    def of(cls, snapshot: RecommendationSnapshot) -> CatalogueIndex:
        """Index the snapshot's catalogue."""
        name_words, text_words, numbers, colours = [], [], [], []
        kinds: set[str] = set()
        for product in snapshot.products:
            name = tokens(product.name)
            kind = _kind_word(name)
            if kind:
                kinds.add(kind)
            names = phrases(name)
            for group in TYPE_GROUPS:
                if names & group:
                    names |= group
            name_words.append(frozenset(names))
            attributes = " ".join(product.attributes.values())
            text = phrases(tokens(f"{product.name} {product.category} {product.description} {attributes}"))
            for group in FEATURE_GROUPS:
                if text & group:
                    text |= group
            text_words.append(frozenset(text | names))
            numbers.append(_numbers(product))
            colours.append(product.attributes.get("colour", "").lower())
        categories = {p.category for p in snapshot.products}
        category_of_word: dict[str, str] = {}
        for category in categories:
            for word in tokens(category.replace("&", " ")):
                if word not in ("and",):
                    category_of_word.setdefault(word, category)
        for word, names_ in CATEGORY_ALIASES.items():
            match = next((c for c in categories if c.lower() in names_), None)
            if match:
                category_of_word[word] = match
        vocabulary = (
            frozenset(kinds) | frozenset(w for g in TYPE_GROUPS for w in g) | frozenset(category_of_word)
        )
        return cls(
            versions=snapshot.versions,
            products=snapshot.products,
            vectors=snapshot.vectors,
            has_vector=snapshot.has_vector,
            popularity=snapshot.rank_scores(snapshot.popular),
            name_words=name_words,
            text_words=text_words,
            numbers=numbers,
            colours=colours,
            vocabulary=vocabulary,
            category_of_word=category_of_word,
            by_category={
                c: [i for i, p in enumerate(snapshot.products) if p.category == c] for c in categories
            },
            full_names=[" ".join(tokens(p.name)) for p in snapshot.products],
        )

    def named_in(self, text: str) -> list[Product]:
        """The products whose full name the text contains.

        The longest names only: "Shears Plus" over "Shears".
        """
        words = " ".join(tokens(text))
        found = [
            p for p, name in zip(self.products, self.full_names, strict=True) if f" {name} " in f" {words} "
        ]
        return [p for p in found if not any(p is not q and p.name.lower() in q.name.lower() for q in found)]

    def spelled(self, word: str) -> str | None:
        """The catalogue's word for a misspelt one ('hedphone' -> 'headphone'), if one is close enough."""
        if word in self.vocabulary or len(word) < SPELLING_MIN_LENGTH:
            return word if word in self.vocabulary else None
        close = difflib.get_close_matches(
            word, [w for w in self.vocabulary if " " not in w], n=1, cutoff=SPELLING_CUTOFF
        )
        return close[0] if close else None

    def has_colour(self, position: int, asked: str) -> bool:
        """Whether the product comes in the asked colour (a family: 'blue' takes navy and teal)."""
        colour = self.colours[position]
        family = COLOUR_FAMILIES.get(asked, frozenset({asked}))
        return bool(colour) and (
            colour in family or any(colour == c or colour.endswith(f" {c}") for c in family)
        )


# Words that end a product's name without naming its kind ("Nexa Smartwatch Pro", "Sunscreen SPF 50").
NAME_SUFFIXES = frozenset(
    {"pro", "lite", "plus", "max", "mini", "classic", "sport", "spf", "ultra", "air", "go", "se"}
)


def _kind_word(name: list[str]) -> str | None:
    """The word naming a product's kind: the last word of its name before model suffixes and numbers."""
    words = [w for w in name if not w.isdigit() and w not in NAME_SUFFIXES]
    return words[-1] if len(words) > 1 else None


def _numbers(product: Product) -> dict[str, float]:
    """Each attribute's first number ('1.8 kg' -> 1.8), and the price."""
    found: dict[str, float] = {"price": product.price}
    for name, value in product.attributes.items():
        match = _NUMBER.search(value)
        if match:
            found[name] = float(match.group(0))
    return found
