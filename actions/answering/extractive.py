"""The answer of last resort: the article's lead and its sentence closest to the question, quoted, with a pointer.

A help-centre article's title is a customer question and its first sentences
answer it; the sentence most similar to the customer's own question adds the
detail they asked about. A product passage is quoted whole (it is short).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from actions.knowledge.encoder import TextEncoder
from actions.knowledge.lexical import tokenize
from actions.knowledge.passages import Passage

LEAD_WORDS = 45
MAX_WORDS = 100
# The encoder ranks sentences by topic; the question's own words (by their first
# letters, so "charged" meets "charge") pick the sentence that holds the detail.
OVERLAP_WEIGHT = 0.3
STEM = 5
# A runner-up sentence is quoted too when it scores this close to the best one
# and is more than a heading.
RUNNER_UP_SHARE = 0.8
RUNNER_UP_MIN_WORDS = 5
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


@dataclass(frozen=True)
class Quote:
    """Sentences quoted from one source, and the passage that holds the best of them."""

    text: str
    passage: Passage
    best_sentence: str


def sentences(passage: Passage) -> list[str]:
    """The passage cut into sentences."""
    return [s.strip() for s in _SENTENCE.split(passage.text) if s.strip()]


class ExtractiveAnswerer:
    """Quotes the best source among the retrieved passages."""

    def __init__(self, encoder: TextEncoder | None, cache_size: int = 20_000) -> None:
        self._encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    async def quote(self, question: str, passages: Sequence[Passage], articles: dict[str, list[Passage]] | None = None) -> Quote:
        """``passages``: retrieved, best first; ``articles``: every chunk of their articles, in order."""
        if not passages:
            raise ValueError("no passage to quote")
        articles = articles or {}
        # Every sentence of the retrieved sources: a neighbouring chunk may hold the detail.
        sources: list[list[Passage]] = []
        for passage in passages:
            chunks = articles.get(passage.source_id, [passage]) if passage.kind == "article" else [passage]
            if chunks not in sources:
                sources.append(chunks)
        candidates = [(n, chunk, i, s) for n, chunks in enumerate(sources) for chunk in chunks for i, s in enumerate(sentences(chunk))]
        scores = await self._scores(question, [c[3] for c in candidates])
        best = int(np.argmax(scores))
        source_number, chunk, _, best_sentence = candidates[best]
        if chunk.kind == "product":
            return Quote(" ".join(sentences(chunk)), chunk, " ".join(sentences(chunk)))
        ordered = [(c[1], c[2], c[3]) for c in candidates if c[0] == source_number]
        keep = _lead(ordered) | {(chunk.id, candidates[best][2])}
        words = sum(len(s.split()) for p, i, s in ordered if (p.id, i) in keep)
        # The sentence after the best one, in the same chunk, usually completes it.
        position = next(n for n, (p, i, _) in enumerate(ordered) if p.id == chunk.id and i == candidates[best][2])
        if position + 1 < len(ordered) and ordered[position + 1][0].id == chunk.id:
            follower = ordered[position + 1]
            if words + len(follower[2].split()) <= MAX_WORDS:
                keep.add((follower[0].id, follower[1]))
        # The runner-up sentence of the same source often holds the rest of the answer.
        words = sum(len(s.split()) for p, i, s in ordered if (p.id, i) in keep)
        for index in np.argsort(-scores):
            number, runner_chunk, runner_index, runner = candidates[int(index)]
            if number != source_number or (runner_chunk.id, runner_index) in keep or len(runner.split()) < RUNNER_UP_MIN_WORDS:
                continue
            if scores[int(index)] < RUNNER_UP_SHARE * scores[best]:
                break
            if words + len(runner.split()) <= MAX_WORDS:
                keep.add((runner_chunk.id, runner_index))
            break
        parts, previous = [], -1
        for n, (p, i, text) in enumerate(ordered):
            if (p.id, i) in keep:
                if previous >= 0 and n != previous + 1:
                    parts.append("…")
                parts.append(text)
                previous = n
        return Quote(" ".join(parts), chunk, best_sentence)

    async def _scores(self, question: str, texts: list[str]) -> np.ndarray:
        overlap = _word_overlap(question, texts)
        if self._encoder is None:
            return overlap
        vectors = await asyncio.to_thread(self._embed, [question, *texts])
        return vectors[1:] @ vectors[0] + OVERLAP_WEIGHT * overlap

    def _embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            assert self._encoder is not None
            if len(self._vectors) + len(missing) > self._cache_size:
                self._vectors.clear()
            for text, vector in zip(missing, self._encoder.encode(missing)):
                self._vectors[text] = vector
        vectors = np.array([self._vectors[t] for t in texts], dtype=np.float32)
        self._vectors.pop(texts[0], None)  # the question is not worth keeping
        return vectors


def _stems(text: str) -> set[str]:
    return {token[:STEM] for token in tokenize(text)}


def _word_overlap(question: str, texts: list[str]) -> np.ndarray:
    """Share of the question's words (stemmed) each text contains."""
    asked = _stems(question)
    if not asked:
        return np.zeros(len(texts), dtype=np.float32)
    return np.array([len(asked & _stems(t)) / len(asked) for t in texts], dtype=np.float32)


def _lead(ordered: list[tuple[Passage, int, str]]) -> set[tuple[str, int]]:
    """The first chunk's opening sentences, up to LEAD_WORDS words (at least one)."""
    keep: set[tuple[str, int]] = set()
    words = 0
    for passage, index, text in ordered:
        size = len(text.split())
        if passage.id != ordered[0][0].id:
            break
        if keep and words + size > LEAD_WORDS:
            break
        keep.add((passage.id, index))
        words += size
    return keep


def quote_with_pointer(quote: Quote) -> str:
    """The quote, then the article it comes from."""
    if quote.passage.url:
        return f"{quote.text}\n\nMore in our help centre: \"{quote.passage.title}\" {quote.passage.url}"
    return quote.text
