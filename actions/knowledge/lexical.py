"""A small BM25 index: enough to pick an article or product among a few hundred."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z0-9]+")
# Words that carry no topic: without this list "how do I" outweighs "refund".
_STOPWORDS = frozenset(
    """a an and are as at be but by can could did do does for from had has have how i if in
    is it its me my no not of on or our please so that the their them then there this to
    too up us was we what when where which who why will with would you your yours hi hello
    hey thanks thank any get got want need im i'm ive just about some know tell""".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens without stop words, with a crude plural fold."""
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        if token in _STOPWORDS:
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        tokens.append(token)
    return tokens


@dataclass(frozen=True)
class Hit:
    """A document id with its BM25 score."""

    doc_id: str
    score: float


class LexicalIndex:
    """BM25 (k1=1.2, b=0.75) over short documents, built once and queried often."""

    def __init__(self, documents: dict[str, str]) -> None:
        self._terms = {doc_id: Counter(tokenize(text)) for doc_id, text in documents.items()}
        self._lengths = {doc_id: sum(terms.values()) for doc_id, terms in self._terms.items()}
        count = max(len(self._terms), 1)
        self._avg_length = sum(self._lengths.values()) / count or 1.0
        frequency: Counter[str] = Counter()
        for terms in self._terms.values():
            frequency.update(terms.keys())
        self._idf = {
            term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()
        }

    def search(self, query: str, limit: int = 3, among: set[str] | None = None) -> list[Hit]:
        """The best-scoring documents for the query, optionally only among some ids."""
        query_terms = set(tokenize(query))
        hits = []
        for doc_id, terms in self._terms.items():
            if among is not None and doc_id not in among:
                continue
            norm = 1.2 * (0.25 + 0.75 * self._lengths[doc_id] / self._avg_length)
            score = sum(
                self._idf[t] * terms[t] * 2.2 / (terms[t] + norm) for t in query_terms if t in terms
            )
            if score > 0:
                hits.append(Hit(doc_id, score))
        hits.sort(key=lambda hit: (-hit.score, hit.doc_id))
        return hits[:limit]
