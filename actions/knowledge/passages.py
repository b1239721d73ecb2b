"""Cuts the store's knowledge into passages: the units that are embedded, retrieved and quoted.

Articles are split at paragraph breaks into chunks of a few sentences, each
carrying its article's title so that a chunk read alone still says what it is
about; every catalogue product is one passage with its price and availability.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from actions.store.models import Article, Product, StorePolicy

PassageKind = Literal["article", "product"]

# Long enough to hold a policy with its conditions, short enough that the
# generator sees three of them in a few hundred tokens.
MAX_CHUNK_WORDS = 90
MIN_CHUNK_WORDS = 25
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*", re.MULTILINE)


class Passage(BaseModel):
    """A retrievable piece of the store's knowledge."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: PassageKind
    source_id: str
    topic: str
    title: str
    url: str | None
    text: str
    # The article's tags ("clearance", "no phone line"): the words customers use that the text may not.
    keywords: str = ""

    @property
    def embedding_text(self) -> str:
        """What the sentence encoder sees.

        The title gives a bare chunk its subject, the tags its other names.
        """
        if self.kind == "product":
            return self.text
        return (
            f"{self.title}. {self.text} ({self.keywords})" if self.keywords else f"{self.title}. {self.text}"
        )

    @property
    def search_text(self) -> str:
        """What the lexical index matches: the title twice, the tags and the text.

        A product's is its name twice and its category.
        """
        if self.kind == "product":
            return f"{self.title} {self.title} {self.topic}"
        return f"{self.title} {self.title} {self.keywords} {self.text}"

    def content_hash(self, model_name: str) -> str:
        """Changes when the text or the encoder changes: the re-embedding test."""
        return hashlib.sha256(f"{model_name}\n{self.embedding_text}".encode()).hexdigest()[:20]


def price_text(price: float, currency: str) -> str:
    """'$49.99' for dollars, 'EUR 49.99' otherwise."""
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{price:,.2f}"


def product_passage(product: Product, currency: str) -> Passage:
    """One sentence-per-fact description of a catalogue product."""
    stock = "It is in stock." if product.in_stock else "It is out of stock right now."
    details = "; ".join(f"{name}: {value}" for name, value in sorted(product.attributes.items()))
    parts = [
        f"{product.name} ({product.category}) costs {price_text(product.price, currency)}.",
        stock,
        product.description.rstrip(".") + ".",
    ]
    if details:
        parts.append(f"Details: {details}.")
    if product.final_sale:
        parts.append("It is a final-sale item and cannot be returned.")
    return Passage(
        id=f"product:{product.id}",
        kind="product",
        source_id=product.id,
        topic=product.category,
        title=product.name,
        url=None,
        text=" ".join(parts),
    )


def _paragraphs(body: str) -> list[str]:
    """Paragraphs with markdown emphasis removed and list items joined into sentences."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        items = [re.sub(r"^[-*]\s+|^\d+\.\s+", "", line) for line in lines]
        joined = " ".join(
            item if item.endswith((".", "!", "?", ":", ";")) else f"{item};" for item in items[:-1]
        )
        last = items[-1] if len(items) == 1 or items[-1].endswith((".", "!", "?")) else f"{items[-1]}."
        text = _MARKDOWN.sub("", f"{joined} {last}".strip()).strip()
        if text:
            paragraphs.append(text)
    return paragraphs


def article_passages(article: Article) -> list[Passage]:
    """Paragraph-aligned chunks of at most MAX_CHUNK_WORDS words (a longer paragraph stays whole)."""
    chunks: list[list[str]] = [[]]
    words = 0
    for paragraph in _paragraphs(article.body):
        size = len(paragraph.split())
        # A heading-like line (short, no full stop) starts the chunk it introduces,
        # unless the chunk so far is too short to stand alone.
        starts_section = _is_heading(paragraph)
        # A lead-in ("...with:") or a heading stays with the paragraph after it.
        introduced = bool(chunks[-1]) and (chunks[-1][-1].endswith(":") or _is_heading(chunks[-1][-1]))
        too_long = words + size > MAX_CHUNK_WORDS
        if chunks[-1] and not introduced and (too_long or (starts_section and words >= MIN_CHUNK_WORDS)):
            chunks.append([])
            words = 0
        chunks[-1].append(paragraph)
        words += size
    return [
        Passage(
            id=f"article:{article.id}:{number}",
            kind="article",
            source_id=article.id,
            topic=article.topic,
            title=article.title,
            url=article.url,
            text=" ".join(_end_sentence(p) for p in chunk),
            keywords=", ".join(article.tags),
        )
        for number, chunk in enumerate((c for c in chunks if c), start=1)
    ]


def _is_heading(paragraph: str) -> bool:
    return len(paragraph.split()) <= 8 and not paragraph.endswith((".", "?", "!", ":", ";"))


def _end_sentence(paragraph: str) -> str:
    return paragraph if paragraph.endswith((".", "?", "!", ":")) else f"{paragraph}."


def store_passages(
    articles: Iterable[Article], products: Iterable[Product], policy: StorePolicy
) -> list[Passage]:
    """Every passage of the store's knowledge, in a stable order."""
    passages = [p for article in articles for p in article_passages(article)]
    passages += [product_passage(product, policy.currency) for product in products]
    return passages
