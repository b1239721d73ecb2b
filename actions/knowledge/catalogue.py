"""What the knowledge index knows of the catalogue: product names, categories and the words they use.

Built with each index snapshot (``retrieval.py``); the grounding guard checks the
products a reply names against it, and the answerer reads its product-kind words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# A word of a product name or of a reply: letters and digits, with inner ' & and -.
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'&-]*")
# Capitalised words that start sentences or address the customer, not product names.
LEADING_WORDS = frozenset(
    """a an the our your this that these those it its we i you yes no sure hi hello please thanks
    sorry unfortunately however also and but or if for with to of in on at by from as is are
    there here all each every some any more most""".split()
)


@dataclass(frozen=True)
class Catalogue:
    """Product names, categories, and the brand and kind words of the names."""

    names: frozenset[str]
    categories: frozenset[str]
    brand_words: frozenset[str] = field(default_factory=frozenset)
    kind_words: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, names: Iterable[str], categories: Iterable[str]) -> Catalogue:
        """Brand words are the first words of product names, kind words the last."""
        names = frozenset(" ".join(n.lower().split()) for n in names)
        brand_words: set[str] = set()
        kind_words: set[str] = set()
        for name in names:
            words = WORD.findall(name)
            if len(words) >= 2:
                brand_words.add(words[0])
                kind_words.update(w for w in words[1:] if len(w) > 2 and w.isalpha())
        return cls(
            names,
            frozenset(c.lower() for c in categories),
            frozenset(brand_words),
            frozenset(kind_words) - LEADING_WORDS,
        )

    def is_known(self, mention: str) -> bool:
        """A product name, part of one (a brand, a kind), or a category."""
        mention = " ".join(mention.lower().split())
        return any(mention in name for name in self.names) or any(mention in c for c in self.categories)

    def looks_like_product(self, words: list[str]) -> bool:
        """Starts with a brand, or contains a product-kind word next to another capitalised word."""
        lowered = [w.lower() for w in words]
        return lowered[0] in self.brand_words or (
            len(words) >= 2 and any(w in self.kind_words for w in lowered)
        )
