"""A provisional segment for an anonymous visitor, from what they have said so far.

Deliberately simple and explainable:

1. **Category cues.** Each category's vocabulary is the words of its name plus
   the words of product names that occur in that category only ("earbuds",
   "skillet", a brand sold in one category). A word in the text matches a
   vocabulary word exactly or with a plural "s"/"es". Counts become shares:
   "earbuds or a speaker, and a yoga mat" is 2/3 Electronics, 1/3 Sports.
2. **Price cues.** Any of PRICE_WORDS ("cheap", "deal", "voucher"...) marks the
   visitor as price-sensitive (a voucher share of 1), otherwise the voucher
   share is left out of the comparison.
3. **Nearest segment.** Squared distance between the visitor's category shares
   and each segment's mean category shares, plus PRICE_WEIGHT times the squared
   gap in voucher share when a price cue was seen. Segments whose members never
   bought are skipped: the visitor is shopping, which is what they never did.

No cue at all gives no segment: guessing from nothing would only add noise.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from actions.segments.models import Segment
from actions.store.models import Product

PRICE_WORDS = frozenset({
    "cheap", "cheaper", "cheapest", "deal", "deals", "voucher", "vouchers", "discount", "discounts",
    "coupon", "coupons", "sale", "offer", "offers", "promo", "budget", "bargain", "affordable", "inexpensive",
})  # fmt: skip
PRICE_WEIGHT = 1.0
MIN_WORD_LENGTH = 3
STOP_WORDS = frozenset({"and", "the", "for", "with", "set", "pro", "plus", "max", "mini", "lite"})
NEVER_BOUGHT_FREQUENCY = 0.5
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class ProvisionalSegment:
    """What the visitor's words suggest: the nearest segment and the cues it came from.

    ``interest`` is the visitor's own category shares from the text;
    ``segment_affinity`` the nearest segment's mean category shares.
    """

    segment_id: int | None
    label: str | None
    interest: dict[str, float] = field(default_factory=dict)
    segment_affinity: dict[str, float] = field(default_factory=dict)
    price_sensitive: bool = False
    cues: list[str] = field(default_factory=list)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def category_vocabulary(products: Iterable[Product]) -> dict[str, frozenset[str]]:
    """Category -> the words that point to it (its name's words and words unique to its products)."""
    by_word: defaultdict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = {}
    for product in products:
        names.setdefault(product.category, set()).update(_words(product.category))
        for word in _words(product.name):
            by_word[word].add(product.category)
    vocabulary = {category: set(words) for category, words in names.items()}
    for word, categories in by_word.items():
        if len(categories) == 1:
            vocabulary[next(iter(categories))].add(word)
    return {
        category: frozenset(
            w for w in words if len(w) >= MIN_WORD_LENGTH and w not in STOP_WORDS and not w.isdigit()
        )
        for category, words in vocabulary.items()
    }


def _singular(word: str) -> Sequence[str]:
    forms = [word]
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    return forms


def text_cues(
    text: str, vocabulary: Mapping[str, frozenset[str]]
) -> tuple[dict[str, float], bool, list[str]]:
    """Category shares, whether a price word was used, and the words that counted."""
    counts: Counter[str] = Counter()
    cues: list[str] = []
    price = False
    for word in _words(text):
        if word in PRICE_WORDS:
            price = True
            cues.append(word)
            continue
        hits = {c for c, words in vocabulary.items() if any(form in words for form in _singular(word))}
        for category in hits:
            counts[category] += 1
        if hits:
            cues.append(word)
    total = sum(counts.values())
    shares = (
        {category: round(count / total, 4) for category, count in sorted(counts.items())} if total else {}
    )
    return shares, price, cues


def provisional_segment(
    text: str, segments: Sequence[Segment], vocabulary: Mapping[str, frozenset[str]]
) -> ProvisionalSegment:
    """Find the segment nearest to what an anonymous visitor said; none when nothing gave a cue.

    Args:
        text: The visitor's messages so far, joined.
        segments: The current segments (``storage.load_segments``).
        vocabulary: ``category_vocabulary`` of the catalogue.

    """
    interest, price, cues = text_cues(text, vocabulary)
    if not interest and not price:
        return ProvisionalSegment(None, None)
    categories = sorted(vocabulary)
    best: tuple[float, Segment] | None = None
    for segment in segments:
        if segment.centroid.get("frequency", 0.0) < NEVER_BOUGHT_FREQUENCY:
            continue
        distance = 0.0
        if interest:
            distance += sum(
                (interest.get(c, 0.0) - segment.centroid.get(f"affinity:{c}", 0.0)) ** 2 for c in categories
            )
        if price:
            distance += PRICE_WEIGHT * (1.0 - segment.centroid.get("discount_share", 0.0)) ** 2
        if best is None or distance < best[0]:
            best = (distance, segment)
    if best is None:
        return ProvisionalSegment(None, None, interest, {}, price, cues)
    segment = best[1]
    affinity = {
        c: segment.centroid[f"affinity:{c}"]
        for c in categories
        if segment.centroid.get(f"affinity:{c}", 0.0) > 0
    }
    return ProvisionalSegment(segment.id, segment.label, interest, affinity, price, cues)
