"""Finds the products a shopping request asks for, and says honestly when there are none.

The kind of product asked for (the request's first word naming a kind, a
department, or a close misspelling of one) picks the candidates; the words
before it ("wireless", "running") must be in a candidate's text for a full match;
interests ("likes hiking") rank products by meaning. Filters never bend: stock
(unless asked), price range, colour, size and numbers such as "for 6 people".
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from actions.knowledge.encoder import TextEncoder
from actions.recommendations.snapshot import SnapshotLoader
from actions.shopping.catalogue import CatalogueIndex, tokens
from actions.shopping.lexicon import FEATURE_GROUPS, SOFT_MODIFIERS, TYPE_GROUPS, group_of, singular
from actions.shopping.request import ShoppingRequest
from actions.store.models import Product

ResultKind = Literal["match", "partial", "ideas", "none", "filtered_out"]
UNKNOWN_KIND: Literal["unknown"] = "unknown"
Filter = Literal["stock", "numbers", "colour", "size", "price"]

DEFAULT_LIMIT = 5
# Interest searches keep products whose meaning is this close to the best one's.
IDEA_MARGIN = 0.15
IDEA_FLOOR = 0.2
# A feature word ("waterproof", "cat") found in a product's text counts this much in an interest search.
LEXICAL_BONUS = 0.15
# Ranking inside a kind: the exact word asked for in the name, then meaning, then best sellers.
EXACT_NAME_BONUS = 0.3
POPULARITY_WEIGHT = 0.05
# The nearest department to something not sold: the mean closeness of its best few products.
NEAREST_TOP = 3


@dataclass(frozen=True)
class SearchResult:
    """What was found for one request."""

    kind: ResultKind
    products: list[Product]
    total: int
    what: str = ""
    missing: tuple[str, ...] = ()
    nearest_category: str | None = None
    blocked_by: Filter | None = None
    options: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Head:
    phrase: str
    words: frozenset[str]
    category: str | None
    modifiers: tuple[str, ...]
    typed: str
    typed_modifiers: tuple[str, ...]
    modifiers_before: int = 0

    def shown_as(self, with_modifiers: bool) -> str:
        """The customer's own words for it ("wireless headphones"), or the department's name."""
        if self.category is not None:
            return self.category
        typed = plural(self.typed)
        return " ".join((*self.typed_modifiers[: self.modifiers_before], typed)) if with_modifiers else typed


def plural(phrase: str) -> str:
    """'cast iron pan' -> 'cast iron pans'; a word already plural stays ('headphones', 'chinos')."""
    last = phrase.rsplit(" ", 1)[-1]
    if singular(last) != last or last.endswith("s"):
        return phrase
    return f"{phrase}es" if last.endswith(("ch", "sh", "x")) else f"{phrase}s"


class ProductSearch:
    """Search over the catalogue snapshot the recommender already keeps (reloaded when it changes)."""

    def __init__(self, loader: SnapshotLoader, encoder: TextEncoder | None) -> None:
        self._loader = loader
        self._encoder = encoder
        self._index: CatalogueIndex | None = None

    async def index(self) -> CatalogueIndex:
        """The catalogue index for the current snapshot."""
        snapshot = await self._loader.current()
        if self._index is None or self._index.versions != snapshot.versions:
            self._index = await asyncio.to_thread(CatalogueIndex.of, snapshot)
        return self._index

    async def names_a_kind(self, request: ShoppingRequest) -> bool:
        """Whether the request names a kind of product or a department ("tents", "electronics")."""
        return isinstance(_head(request.words, await self.index(), request.text), _Head)

    async def search(
        self, request: ShoppingRequest, *, exclude: Sequence[str] = (), limit: int = DEFAULT_LIMIT
    ) -> SearchResult:
        """The best products for the request, best first; ``exclude`` are left out (already shown)."""
        index = await self.index()
        left_out = _left_out(index, request)
        head = _head(request.words, index, request.text)
        if head == UNKNOWN_KIND:
            nearest = await self._nearest_category(index, " ".join(request.words))
            return SearchResult("none", [], 0, what=" ".join(request.words), nearest_category=nearest)
        if isinstance(head, _Head):
            candidates = [
                i for i in range(len(index.products)) if _is_kind(index, i, head) and i not in left_out
            ]
            full = [i for i in candidates if all(_has_word(index, i, m) for m in head.modifiers)]
            missing = tuple(
                typed for m, typed in zip(head.modifiers, head.typed_modifiers, strict=True)
                if not any(_has_word(index, i, m) for i in candidates)
            )  # fmt: skip
            kind: ResultKind = "match" if full else ("partial" if candidates else "none")
            positions = full or candidates
            what = head.shown_as(with_modifiers=bool(full))
            scores = await self._scores(index, request, positions, head)
        else:
            features = [w for w in request.words if group_of(w, FEATURE_GROUPS) or w in index.vocabulary]
            unknown = [w for w in request.words if w not in features and w not in SOFT_MODIFIERS]
            if unknown and not (request.interests or features or request.recipient or request.gift):
                # "lawn mowers": something we do not sell; say so and name the nearest department.
                nearest = await self._nearest_category(index, " ".join(request.words))
                return SearchResult("none", [], 0, what=" ".join(request.words), nearest_category=nearest)
            positions, scores = await self._ideas(index, request, features)
            positions = [i for i in positions if i not in left_out]
            kind = "ideas" if positions else "none"
            what = " ".join(request.interests or features)
            missing = ()
        if not positions:
            nearest = await self._nearest_category(index, " ".join(request.words or request.interests))
            return SearchResult("none", [], 0, what=what, missing=missing, nearest_category=nearest)
        kept, blocked_by, options = _filter(index, request, positions)
        if not kept:
            alternatives = _alternatives(index, request, positions, blocked_by, scores)[:limit]
            return SearchResult(
                "filtered_out",
                alternatives,
                0,
                what=what,
                missing=missing,
                blocked_by=blocked_by,
                options=options,
            )
        if kind == "ideas":
            # Ideas are kept when close to the best that passes the filters, not the best overall.
            best = max(scores[i] for i in kept)
            kept = [i for i in kept if scores[i] >= best - IDEA_MARGIN]
        ranked = _rank(index, request, kept, scores)
        shown = [index.products[i] for i in ranked if index.products[i].id not in exclude][:limit]
        return SearchResult(kind, shown, len(ranked), what=what, missing=missing)

    async def _scores(
        self, index: CatalogueIndex, request: ShoppingRequest, positions: list[int], head: _Head
    ) -> dict[int, float]:
        dense = await self._dense(index, " ".join((*request.interests, *request.words)))
        return {
            i: float(dense[i])
            + (EXACT_NAME_BONUS if head.phrase in index.name_words[i] and not head.category else 0.0)
            for i in positions
        }

    async def _ideas(
        self, index: CatalogueIndex, request: ShoppingRequest, features: list[str]
    ) -> tuple[list[int], dict[int, float]]:
        """Products close in meaning to the interests (or to the person), with feature words as a bonus."""
        text = " ".join((*request.interests, *features))
        if not text and request.recipient:
            text = f"a gift for my {request.recipient}"
        if not text:
            order = np.argsort(-index.popularity, kind="stable")
            return [int(i) for i in order], {int(i): float(index.popularity[i]) for i in order}
        dense = await self._dense(index, text)
        score = dense.copy()
        for word in features:
            score += LEXICAL_BONUS * np.array([_has_word(index, i, word) for i in range(len(index.products))])
        keep = [int(i) for i in np.argsort(-score, kind="stable") if score[i] >= IDEA_FLOOR]
        return keep, {i: float(score[i]) for i in keep}

    async def _dense(self, index: CatalogueIndex, text: str) -> np.ndarray:
        if self._encoder is None or not text.strip():
            return np.zeros(len(index.products), dtype=np.float32)
        vector = self._encoder.encode([text])[0]
        return np.where(index.has_vector, index.vectors @ vector, 0.0).astype(np.float32)

    async def _nearest_category(self, index: CatalogueIndex, text: str) -> str | None:
        """The department whose three closest products are closest in meaning on average.

        "air fryer" -> Home & Kitchen.
        """
        dense = await self._dense(index, text)
        if not len(dense) or float(dense.max()) <= 0:
            return None
        best: tuple[float, str] | None = None
        for category, positions in index.by_category.items():
            closeness = float(np.sort(dense[positions])[-NEAREST_TOP:].mean())
            if best is None or closeness > best[0]:
                best = (closeness, category)
        return best[1] if best else None


def _known(phrase: str, index: CatalogueIndex) -> tuple[str, frozenset[str] | None] | None:
    """The catalogue's spelling of a word or pair naming a kind or a department, and its kind group."""
    group = group_of(phrase, TYPE_GROUPS)
    spelled = phrase if group or phrase in index.vocabulary else index.spelled(phrase)
    if spelled is None:
        return None
    return spelled, group or group_of(spelled, TYPE_GROUPS)


def _head(words: Sequence[str], index: CatalogueIndex, text: str = "") -> _Head | None | Literal["unknown"]:
    """The kind of product asked for, and the words before it.

    English compounds put the kind last: in "kitchen knives" or "book light" the
    second word is the kind; in "garden hoses" an unknown kind follows a department
    (right after it in ``text``), which is then no answer ("we don't sell garden
    hoses", not garden products).
    """
    singulars = [tokens(w)[0] if tokens(w) else w for w in words]
    position, size, found = _first_known(singulars, 0, index)
    if found is None:
        return None
    while True:
        after = position + size
        if after >= len(singulars):
            break
        next_position, next_size, next_found = _first_known(singulars, after, index, only_at_start=True)
        if next_found is not None:
            position, size, found = next_position, next_size, next_found
            continue
        nxt = singulars[after]
        if (
            index.category_of_word.get(found[0])
            and not _names_a_kind(index, found[0])
            and not (group_of(nxt, FEATURE_GROUPS) or nxt in SOFT_MODIFIERS)
            and re.search(
                rf"\b{re.escape(words[after - 1])}\s+{re.escape(words[after])}\b", text, re.IGNORECASE
            )
        ):
            return UNKNOWN_KIND  # "garden hoses": a kind we do not know, of a department we do
        break
    spelled, group = found
    category = (
        index.category_of_word.get(spelled) if not group and not _names_a_kind(index, spelled) else None
    )
    before = [n for n, w in enumerate(singulars[:position]) if w not in SOFT_MODIFIERS]
    after_words = [
        n for n in range(position + size, len(singulars)) if group_of(singulars[n], FEATURE_GROUPS)
    ]
    kept = [n for n in dict.fromkeys(before + after_words)]
    in_head = set(singulars[position : position + size])
    kept = [n for i, n in enumerate(kept) if singulars[n] not in in_head | {singulars[m] for m in kept[:i]}]
    phrase = " ".join(singulars[position : position + size])
    return _Head(
        phrase=spelled,
        words=group or frozenset({spelled}),
        category=category,
        modifiers=tuple(singulars[n] for n in kept),
        # A corrected misspelling is shown corrected ("hedphones" -> "headphones").
        typed=" ".join(words[position : position + size]) if spelled == phrase else spelled,
        typed_modifiers=tuple(words[n] for n in kept),
        modifiers_before=len([n for n in kept if n < position]),
    )


def _first_known(
    singulars: list[str], start: int, index: CatalogueIndex, only_at_start: bool = False
) -> tuple[int, int, tuple[str, frozenset[str] | None] | None]:
    """The first word (or pair) from ``start`` that names a kind or a department."""
    for position in range(start, len(singulars) if not only_at_start else min(start + 1, len(singulars))):
        word = singulars[position]
        pair = f"{word} {singulars[position + 1]}" if position + 1 < len(singulars) else None
        for phrase, size in ((pair, 2), (word, 1)):
            if phrase is not None and (found := _known(phrase, index)) is not None:
                return position, size, found
    return start, 0, None


def _names_a_kind(index: CatalogueIndex, word: str) -> bool:
    return any(word in words for words in index.name_words) and word not in index.category_of_word


def _is_kind(index: CatalogueIndex, position: int, head: _Head) -> bool:
    if head.category is not None:
        return index.products[position].category == head.category
    return bool(index.name_words[position] & head.words)


def _has_word(index: CatalogueIndex, position: int, word: str) -> bool:
    words = index.text_words[position]
    group = group_of(word, FEATURE_GROUPS) or group_of(word, TYPE_GROUPS)
    return word in words or bool(group and words & group)


def _filter(
    index: CatalogueIndex, request: ShoppingRequest, positions: list[int]
) -> tuple[list[int], Filter | None, tuple[str, ...]]:
    """Apply every filter; when they leave nothing, name the one that did and what there is instead."""
    steps: list[tuple[Filter, object]] = [
        ("stock", lambda i: request.include_out_of_stock or index.products[i].in_stock),
        ("numbers", lambda i: all(_meets(index.numbers[i].get(a), v, how) for a, v, how in request.numbers)),
        ("colour", lambda i: not request.colours or any(index.has_colour(i, c) for c in request.colours)),
        ("size", lambda i: not request.sizes
                           or index.products[i].attributes.get("size", "").upper() in request.sizes),
        ("price", lambda i: (request.price_min is None or index.products[i].price >= request.price_min)
                            and (request.price_max is None or index.products[i].price <= request.price_max)),
    ]  # fmt: skip
    kept = positions
    for name, test in steps:
        narrowed = [i for i in kept if test(i)]  # type: ignore[operator]
        if not narrowed:
            return [], name, _options(index, name, kept, request)
        kept = narrowed
    return kept, None, ()


def _left_out(index: CatalogueIndex, request: ShoppingRequest) -> set[int]:
    """Products of the kinds the customer ruled out ("she already has shears")."""
    left_out: set[int] = set()
    for word in request.excluded:
        head = _head([word], index)
        if isinstance(head, _Head):
            left_out |= {i for i in range(len(index.products)) if _is_kind(index, i, head)}
    return left_out


def _alternatives(
    index: CatalogueIndex,
    request: ShoppingRequest,
    positions: list[int],
    blocked: Filter | None,
    scores: dict[int, float],
) -> list[Product]:
    """What there is instead when a colour, size or number ruled everything out (never over budget)."""
    if blocked not in ("colour", "size", "numbers"):
        return []
    relaxed = request.model_copy(
        update={"colour": {"colours": ()}, "size": {"sizes": ()}, "numbers": {"numbers": ()}}[blocked]
    )
    kept, _, _ = _filter(index, relaxed, positions)
    if blocked == "numbers" and request.numbers:
        attribute = request.numbers[0][0]
        kept.sort(key=lambda i: -index.numbers[i].get(attribute, 0.0))
        return [index.products[i] for i in kept]
    return [index.products[i] for i in _rank(index, request, kept, scores)]


def _meets(value: float | None, wanted: float, how: str) -> bool:
    return value is not None and (value >= wanted if how == "min" else value == wanted)


def _options(
    index: CatalogueIndex, blocked: Filter, positions: list[int], request: ShoppingRequest
) -> tuple[str, ...]:
    """What the products that a filter removed do offer: their colours, sizes or numbers (never prices)."""
    if blocked == "colour":
        return tuple(sorted({index.colours[i] for i in positions if index.colours[i]}))
    if blocked == "size":
        return tuple(
            sorted(
                {
                    index.products[i].attributes["size"]
                    for i in positions
                    if "size" in index.products[i].attributes
                }
            )
        )
    if blocked == "numbers":
        values = {
            f"{index.numbers[i][a]:g}"
            for i in positions
            for a, _, _ in request.numbers
            if a in index.numbers[i]
        }
        return tuple(sorted(values, key=float))
    return ()


def _rank(
    index: CatalogueIndex, request: ShoppingRequest, positions: list[int], scores: dict[int, float]
) -> list[int]:
    if request.order == "price":
        return sorted(positions, key=lambda i: index.products[i].price)
    if request.order == "-price":
        return sorted(positions, key=lambda i: -index.products[i].price)
    return sorted(
        positions, key=lambda i: -(scores.get(i, 0.0) + POPULARITY_WEIGHT * float(index.popularity[i]))
    )
