"""Whether the retrieved knowledge covers what the customer asked about.

Retrieval scores say a passage is *about* the question's subject; they cannot
tell "how much is the Voltra Webcam?" (answered) from "how much was the Voltra
Webcam last month?" (not answered by the same passage). This check looks for
the question's own content words in the passages: a word the passages do not
contain, in any form or near-synonym, marks the question as only partly
covered, and the assistant then says so instead of answering as if it knew.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from actions.knowledge.encoder import TextEncoder
from actions.knowledge.lexical import FUNCTION_WORDS, tokenize
from actions.knowledge.passages import Passage
from actions.knowledge.question import Query

# A question word this close to some passage word (cosine of the encoder's
# word embeddings) counts as covered: "e-mail"/"email", "parcel"/"package".
WORD_SIMILARITY = 0.6
PREFIX = 4


def _stem(token: str) -> str:
    return token[:PREFIX] if len(token) > PREFIX else token


class CoverageCheck:
    """Finds the question's content words that no retrieved passage covers."""

    def __init__(self, encoder: TextEncoder, cache_size: int = 20_000) -> None:
        self._encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    async def uncovered(
        self, question: Query | str, passages: Sequence[Passage], generic: frozenset[str] = frozenset()
    ) -> list[str]:
        """Content words of the question (tokenised already, or here) that the passages lack, in order.

        ``generic`` words are not asked about: the kinds of product ("trainers", "blender") when
        the passages are help-centre articles, whose policies speak of any item.
        """
        asked = question.tokens if isinstance(question, Query) else tokenize(question)
        passage_words = sorted({t for p in passages for t in tokenize(f"{p.title} {p.text}")})
        stems = {_stem(t) for t in passage_words}
        candidates = list(
            dict.fromkeys(
                t for t in asked
                if t not in FUNCTION_WORDS and t not in generic and not t.isdigit() and _stem(t) not in stems
            )
        )  # fmt: skip
        if not candidates or not passage_words:
            return candidates
        vectors = await asyncio.to_thread(self._embed, candidates + passage_words)
        similarity = vectors[: len(candidates)] @ vectors[len(candidates) :].T
        return [
            word
            for word, best in zip(candidates, similarity.max(axis=1), strict=True)
            if best < WORD_SIMILARITY
        ]

    def prime(self, passages: Sequence[Passage]) -> int:
        """Embed every word of the passages now (at start-up), so no question waits; returns the count."""
        words = sorted({t for p in passages for t in tokenize(f"{p.title} {p.text}")})
        self._embed(words[: self._cache_size // 2])
        return len(self._vectors)

    def _embed(self, words: list[str]) -> np.ndarray:
        missing = [w for w in dict.fromkeys(words) if w not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > self._cache_size:
                self._vectors.clear()  # the store's vocabulary is small; this only guards against abuse
            for word, vector in zip(missing, self._encoder.encode(missing), strict=True):
                self._vectors[word] = vector
        return np.array([self._vectors[w] for w in words], dtype=np.float32)
