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
        terms_by_doc = {doc_id: Counter(tokenize(text)) for doc_id, text in documents.items()}
        self._lengths = {doc_id: sum(terms.values()) for doc_id, terms in terms_by_doc.items()}
        count = max(len(terms_by_doc), 1)
        self._avg_length = sum(self._lengths.values()) / count or 1.0
        # Postings: a query touches only the documents that share a term with it.
        self._postings: dict[str, list[tuple[str, int]]] = {}
        for doc_id, terms in terms_by_doc.items():
            for term, frequency in terms.items():
                self._postings.setdefault(term, []).append((doc_id, frequency))
        self._idf = {
            term: math.log(1 + (count - len(postings) + 0.5) / (len(postings) + 0.5))
            for term, postings in self._postings.items()
        }

    def scores(self, query: str) -> dict[str, float]:
        """BM25 score of every document sharing at least one term with the query."""
        scores: dict[str, float] = {}
        for term in set(tokenize(query)):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for doc_id, frequency in self._postings[term]:
                norm = 1.2 * (0.25 + 0.75 * self._lengths[doc_id] / self._avg_length)
                scores[doc_id] = scores.get(doc_id, 0.0) + idf * frequency * 2.2 / (frequency + norm)
        return scores

    def search(self, query: str, limit: int = 3, among: set[str] | None = None) -> list[Hit]:
        """The best-scoring documents for the query, optionally only among some ids."""
        hits = [
            Hit(doc_id, score)
            for doc_id, score in self.scores(query).items()
            if among is None or doc_id in among
        ]
        hits.sort(key=lambda hit: (-hit.score, hit.doc_id))
        return hits[:limit]
