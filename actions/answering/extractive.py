"""The answer of last resort: the article's lead and its sentence closest to the question, with a pointer.

A help-centre article's title is a customer question and its first sentences
answer it; the sentence most similar to the customer's own question adds the
detail they asked about. A product passage is quoted whole (it is short).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from actions.answering.wording import WORDING
from actions.knowledge.encoder import TextEncoder
from actions.knowledge.lexical import tokenize
from actions.knowledge.passages import Passage
from actions.knowledge.question import Query

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
# Times how far its source's retrieval score is below the best one, subtracted from a sentence's score.
SOURCE_GAP_WEIGHT = 1.0
# After a heading, quote the sentences that follow it up to this many words.
HEADING_MAX_WORDS = 10
HEADING_FOLLOW_WORDS = 30
# Verbs that make a short line a sentence rather than a heading ("Express costs $14.99." is not one).
_COMMON_VERB = re.compile(
    r"\b(?:is|are|was|were|be|can|can't|will|won't|do|does|don't|have|has|may|must|should|take|takes"
    r"|get|gets|cost|costs|need|needs|use|pay|send|see|make|keep|offer|accept)\b",
    re.IGNORECASE,
)
_BACK_REFERENCE = re.compile(
    r"(?:until then|after that|then|this|that|these|those|it|they|otherwise)\b", re.IGNORECASE
)


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

    async def quote(
        self,
        question: Query | str,
        passages: Sequence[Passage],
        articles: dict[str, list[Passage]] | None = None,
        retrieval_scores: Sequence[float] | None = None,
        known: Mapping[str, np.ndarray] | None = None,
    ) -> Quote:
        """The best sentences of the best source for ``question`` (tokenised already, or here).

        ``passages`` are the retrieved ones, best first, with their ``retrieval_scores``;
        ``articles`` holds every chunk of their articles, in order; ``known`` has vectors of
        texts encoded already (retrieval's), the question's among them if it was searched for as is.
        """
        question = question if isinstance(question, Query) else Query.of(question)
        if not passages:
            raise ValueError("no passage to quote")
        articles = articles or {}
        # Every sentence of the retrieved sources: a neighbouring chunk may hold the detail.
        sources: list[list[Passage]] = []
        gaps: list[float] = []
        top = retrieval_scores[0] if retrieval_scores else 0.0
        for number, passage in enumerate(passages):
            chunks = articles.get(passage.source_id, [passage]) if passage.kind == "article" else [passage]
            if chunks not in sources:
                sources.append(chunks)
                gaps.append(top - retrieval_scores[number] if retrieval_scores else 0.0)
        candidates = [
            (n, chunk, i, s)
            for n, chunks in enumerate(sources)
            for chunk in chunks
            for i, s in enumerate(sentences(chunk))
        ]
        scores = await self._scores(question, [c[3] for c in candidates], known)
        # Retrieval ranked the sources with the whole passage in view: a later source's
        # sentence must be clearly better to be quoted instead of the best source.
        scores = scores - SOURCE_GAP_WEIGHT * np.array([gaps[c[0]] for c in candidates], dtype=np.float32)
        best = int(np.argmax(scores))
        source_number, chunk, _, best_sentence = candidates[best]
        if chunk.kind == "product":
            return Quote(" ".join(sentences(chunk)), chunk, " ".join(sentences(chunk)))
        ordered = [(c[1], c[2], c[3]) for c in candidates if c[0] == source_number]
        position = next(
            n for n, (p, i, _) in enumerate(ordered) if p.id == chunk.id and i == candidates[best][2]
        )
        keep = _lead(ordered) | {_key(ordered[position])}
        budget = MAX_WORDS - _words(ordered, keep)
        # A sentence that points back ("Until then, ...") needs the one before it.
        if position > 0 and _BACK_REFERENCE.match(best_sentence):
            budget = _add(ordered, position - 1, keep, budget)
        # A heading ("For addresses in the UK.") or a list's lead-in is answered by what follows it,
        # in the next chunk if need be; any other sentence is usually completed by its follower.
        wanted = HEADING_FOLLOW_WORDS if _is_heading(best_sentence) else 1
        added, following = 0, position + 1
        while added < wanted and following < len(ordered):
            item = ordered[following]
            if wanted == 1 and item[0].id != chunk.id:
                break
            if _key(item) not in keep:
                if len(item[2].split()) > budget:
                    break
                budget = _add(ordered, following, keep, budget)
            added += len(item[2].split())
            following += 1
        # The runner-up sentence of the same source often holds the rest of the answer.
        for index in np.argsort(-scores):
            number, runner_chunk, runner_index, runner = candidates[int(index)]
            if (
                number != source_number
                or (runner_chunk.id, runner_index) in keep
                or len(runner.split()) < RUNNER_UP_MIN_WORDS
            ):
                continue
            if scores[int(index)] < RUNNER_UP_SHARE * scores[best]:
                break
            if len(runner.split()) <= budget:
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

    async def picked_up(
        self,
        question: Query,
        last_reply: str,
        passages: Sequence[Passage],
        articles: dict[str, list[Passage]],
        known: Mapping[str, np.ndarray] | None = None,
    ) -> Quote | None:
        """The sentence of ``last_reply`` that a follow-up without words of its own asks about, if any.

        "everything? even my old orders?" after an answer that said "Order records are kept for 7
        years" asks about that sentence: of the sources' sentences the last reply quoted, the ones
        that share a word with the question, the closest first. None when no quoted sentence does
        (then the question is quoted for with what it follows up on).
        """
        asked = _stems(question.tokens)
        sources = [articles.get(p.source_id, [p]) if p.kind == "article" else [p] for p in passages]
        chunks = {chunk.id: chunk for source in sources for chunk in source}
        candidates = [
            (chunk, s)
            for chunk in chunks.values()
            for s in sentences(chunk)
            if s in last_reply and not _is_heading(s) and asked & _stems(tokenize(s))
        ]
        if not candidates:
            return None
        scores = await self._scores(question, [s for _, s in candidates], known)
        chunk, sentence = candidates[int(np.argmax(scores))]
        return Quote(sentence, chunk, sentence)

    async def _scores(
        self, question: Query, texts: list[str], known: Mapping[str, np.ndarray] | None = None
    ) -> np.ndarray:
        overlap = _word_overlap(question, texts)
        if self._encoder is None or not texts:
            return overlap
        asked = (known or {}).get(question.text)
        if asked is None:
            vectors = await asyncio.to_thread(self._embed, texts, question.text)
            asked, vectors = vectors[0], vectors[1:]
        else:
            # The passages' sentences are primed at start-up: usually nothing is left to encode,
            # and then no thread is woken (two hand-offs cost more than the lookups).
            cached = self._cached(texts)
            vectors = cached if cached is not None else await asyncio.to_thread(self._embed, texts)
        return vectors @ asked + OVERLAP_WEIGHT * overlap

    def prime(self, passages: Sequence[Passage]) -> int:
        """Embed every sentence of the passages now (at start-up), so no answer waits; returns the count."""
        if self._encoder is None:
            return 0
        texts = list(dict.fromkeys(s for p in passages for s in sentences(p)))[: self._cache_size // 2]
        for text, vector in zip(texts, self._encoder.encode(texts), strict=True):
            self._vectors[text] = vector
        return len(self._vectors)

    def _cached(self, texts: list[str]) -> np.ndarray | None:
        """The texts' vectors if every one is in the cache, else None."""
        found = [self._vectors.get(t) for t in texts]
        if any(vector is None for vector in found):
            return None
        return np.array(found, dtype=np.float32)

    def _embed(self, texts: list[str], question: str | None = None) -> np.ndarray:
        """Vectors of ``texts``, after the ``question``'s if given (never kept: not worth it)."""
        # Runs in worker threads, several at once: the vectors of this call are gathered here,
        # and the shared cache is only read or added to (another answer may clear it meanwhile).
        wanted = texts if question is None else [question, *texts]
        found = {t: self._vectors.get(t) for t in dict.fromkeys(wanted)}
        missing = [t for t, vector in found.items() if vector is None]
        if missing:
            assert self._encoder is not None
            encoded = dict(zip(missing, self._encoder.encode(missing), strict=True))
            found.update(encoded)
            if len(self._vectors) + len(encoded) > self._cache_size:
                self._vectors.clear()
            self._vectors.update((t, vector) for t, vector in encoded.items() if t != question)
        return np.array([found[t] for t in wanted], dtype=np.float32)


def _stems(tokens: Iterable[str]) -> set[str]:
    return {token[:STEM] for token in tokens}


def _word_overlap(question: Query, texts: list[str]) -> np.ndarray:
    """Share of the question's words (stemmed) each text contains."""
    asked = _stems(question.tokens)
    if not asked:
        return np.zeros(len(texts), dtype=np.float32)
    return np.array([len(asked & _stems(tokenize(t))) / len(asked) for t in texts], dtype=np.float32)


def _key(item: tuple[Passage, int, str]) -> tuple[str, int]:
    return (item[0].id, item[1])


def _words(ordered: list[tuple[Passage, int, str]], keep: set[tuple[str, int]]) -> int:
    return sum(len(text.split()) for p, i, text in ordered if (p.id, i) in keep)


def _add(ordered: list[tuple[Passage, int, str]], index: int, keep: set[tuple[str, int]], budget: int) -> int:
    """Keep sentence ``index`` if it fits the word budget; the budget left."""
    size = len(ordered[index][2].split())
    if _key(ordered[index]) in keep or size > budget:
        return budget
    keep.add(_key(ordered[index]))
    return budget - size


def _is_heading(sentence: str) -> bool:
    """A short line without a common verb, or one that introduces a list."""
    if sentence.rstrip().endswith(":"):
        return True
    return len(sentence.split()) <= HEADING_MAX_WORDS and not _COMMON_VERB.search(sentence)


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
        return f"{quote.text}\n\n{WORDING.pointer(quote.passage)}"
    return quote.text
