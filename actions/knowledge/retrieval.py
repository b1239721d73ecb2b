"""Finds the passages that answer a question: dense similarity plus a lexical boost.

The vectors live in Redis (written at seed time by ``indexing.py``); each
process keeps one in-memory matrix of them and reloads it only when the index
version in Redis changes, so a question costs one small Redis read, one
encoder call and one matrix product.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from redis.asyncio import Redis

from actions.errors import StoreDataError, StoreUnavailable
from actions.keys import Keys
from actions.knowledge.catalogue import Catalogue
from actions.knowledge.encoder import TextEncoder
from actions.knowledge.lexical import FUNCTION_WORDS, LexicalIndex, tokenize
from actions.knowledge.passages import Passage
from actions.knowledge.question import Query, Question
from actions.redis_edge import optional_text, store_call, text

logger = logging.getLogger(__name__)

# A saturating lexical bonus: names and rare words the encoder blurs (product
# names, "Klarna", "PO box") lift a passage, without swamping the cosine.
LEXICAL_WEIGHT = 0.25
LEXICAL_HALF_SCORE = 6.0
# A product named in full in the question is almost surely the one asked about;
# only the longest names found count ("Shears Plus" over "Shears").
EXACT_NAME_BONUS = 0.3
# Words that ask about a policy even when a product type is named ("warranty on
# a yoga mat", "return a lip balm I opened"): articles answer those, not products.
POLICY_CUES = re.compile(
    r"\b(warrant\w*|guarantee\w*|covered|return\w*|refund\w*|exchange\w*|swap\w*|price[- ]match\w*"
    r"|match the price|faulty|broken|damaged|defective|stopped working|died|cancel\w*|deliver\w*|ship\w*"
    r"|customs|duties)\b",
    re.IGNORECASE,
)
POLICY_BONUS = 0.2
# A question word among an article's tags ("clearance" for final-sale items) lifts it a little.
TAG_BONUS = 0.04
MAX_TAG_BONUS = 0.08
# Preferred topics of the intent get this much; a hint, not a filter...
INTENT_BONUS = 0.04
# ...and up to this much more as the NLU's confidence in the intent goes from SURE_INTENT to 1.
SURE_INTENT = 0.6
SURE_INTENT_BONUS = 0.06
# A question that reads as a follow-up is taken alone when, alone, it scores some other passage this
# much higher than the best passage of its reading with the previous question.
STANDALONE_MARGIN = 0.15
# Messages this short without a subject of their own, or with a pronoun, lean on the customer's previous turn.
FOLLOW_UP_MAX_WORDS = 5
FOLLOW_UP_MAX_PRONOUN_WORDS = 20
_PRONOUN = re.compile(r"\b(it|its|it's|that|they|them|those|these|there|which one|that one|this one)\b", re.I)
# "and to Canada?", "what about express?": a short question opening like this continues the last one.
_CONTINUES = re.compile(
    r"^\W*(?:(?:ok|okay|alright|right|hmm+|oh|ah|cool|great|thanks)\W+)*"
    r"(and|what about|how about|or|also|plus|so|but|even|then|everything|anything|only|just)\b",
    re.I,
)
_FOLLOW_UP = re.compile(
    r"^(and |what about |how about )?(it|its|it's|that|this|they|them|those|these|one)\b", re.I
)
# "does it need to be in the box?", "is that free too?": a pronoun among the first words.
_EARLY_PRONOUN = re.compile(
    r"^(?:\W*\w+\W+){0,2}(?:it|its|it's|that|they|them|those|these|one)\b(?!\s+(?:is|was)\s+\w+ing\b)", re.I
)

PRODUCT_INTENTS = frozenset({"product_question", "search_products"})
# Help-centre topics (the articles' front matter) each intent usually asks about.
TOPICS_BY_INTENT: dict[str, frozenset[str]] = {
    "shipping_question": frozenset({"shipping", "delivery"}),
    "ask_refund": frozenset({"refunds", "returns"}),
    "request_return": frozenset({"returns", "refunds"}),
    "ask_return_policy": frozenset({"returns", "refunds"}),
    "payment_problem": frozenset({"payments", "failed_payments", "vouchers"}),
    "account_help": frozenset({"account", "privacy"}),
    "cancel_order": frozenset({"orders"}),
    "ask_contact": frozenset({"contact"}),
}


@dataclass(frozen=True)
class ScoredPassage:
    """A passage with its combined score and the parts it was made of."""

    passage: Passage
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Retrieval:
    """The best passages for one question."""

    # What was searched for: the question alone, or read with the message it follows up on.
    query: Query
    passages: tuple[ScoredPassage, ...]
    confident: bool
    seconds: float
    # The texts searched for and their vectors: the quote scores its sentences against the same
    # question, and encoding it again cost the action server a tenth of its time on store turns.
    vectors: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def best(self) -> ScoredPassage | None:
        """The top passage, if any."""
        return self.passages[0] if self.passages else None


class IndexSnapshot:
    """One version of the index in memory: passages, their vectors and a lexical index."""

    def __init__(self, version: str, passages: list[Passage], vectors: np.ndarray) -> None:
        self.version = version
        self.passages = passages
        self.vectors = vectors
        self.lexical = LexicalIndex({p.id: p.search_text for p in passages})
        self.topics = np.array([p.topic for p in passages], dtype=object)
        # Which passages' tags use each word: the store's own words for what an article is about.
        self.tag_words: dict[str, list[int]] = {}
        for i, p in enumerate(passages):
            for word in set(tokenize(p.keywords)) - FUNCTION_WORDS:
                self.tag_words.setdefault(word, []).append(i)
        # Full product names as word tuples, so a question is matched by its n-grams, not a scan.
        self.product_names: dict[str, list[int]] = {}
        for i, p in enumerate(passages):
            if p.kind == "product":
                self.product_names.setdefault(_normalise(p.title), []).append(i)
        self.longest_name = max((len(name.split()) for name in self.product_names), default=0)
        self._intent_masks: dict[str | None, np.ndarray] = {}
        self.is_product = np.array([p.kind == "product" for p in passages], dtype=bool)
        self.by_source: dict[str, list[Passage]] = {}
        for passage in passages:
            self.by_source.setdefault(passage.source_id, []).append(passage)
        products = [p for p in passages if p.kind == "product"]
        self.catalogue = Catalogue.of((p.title for p in products), (p.topic for p in products))

    def intent_mask(self, intent: str | None) -> np.ndarray:
        """1 for the passages the intent usually asks about, else 0 (computed once per intent)."""
        mask = self._intent_masks.get(intent)
        if mask is None:
            mask = _intent_mask(self, intent)
            self._intent_masks[intent] = mask
        return mask


def reads_as_follow_up(question: Query) -> bool:
    """Whether a question leans on the one before.

    "and to Canada?", "how long does it take?" and "is that free?" do; a short question
    with a subject of its own ("how much is shipping?") stands alone.
    """
    if _FOLLOW_UP.match(question.text) or _EARLY_PRONOUN.match(question.text):
        return True
    words = question.text.split()
    if len(words) <= FOLLOW_UP_MAX_PRONOUN_WORDS and _PRONOUN.search(question.text):
        return True
    if len(words) <= FOLLOW_UP_MAX_PRONOUN_WORDS and _CONTINUES.match(question.text):
        return True
    return len(words) <= FOLLOW_UP_MAX_WORDS and not _has_subject(question)


def _has_subject(question: Query) -> bool:
    """Whether the question names something of its own, beyond words every question about a store uses."""
    return any(t not in FUNCTION_WORDS for t in question.tokens)


def build_query(question: Question, history: Sequence[str] = ()) -> Query:
    """The question, preceded by the customer's previous message when it reads as a follow-up."""
    asked = question.searched
    previous = next((h for h in reversed(history) if h.strip() and h.strip() != asked.text), None)
    if previous and reads_as_follow_up(asked):
        return Query.of(" ".join(previous.split())).followed_by(asked)
    return asked


class Retriever:
    """Top-k passages for a question, with scores that tell a confident hit from a miss."""

    def __init__(self, redis: Redis, keys: Keys, encoder: TextEncoder, min_score: float) -> None:
        self._redis = redis
        self._keys = keys
        self._encoder = encoder
        self._min_score = min_score
        self._snapshot: IndexSnapshot | None = None
        self._reload = asyncio.Lock()

    async def retrieve(
        self,
        question: Question | str,
        intent: str | None = None,
        history: Sequence[str] = (),
        k: int = 4,
        intent_confidence: float = 0.0,
    ) -> Retrieval:
        """The k best passages; ``confident`` when the best clears the configured score.

        ``question`` is analysed already (``Question.of``) or here. The intent's topics get a
        small bonus, larger when the NLU is sure of the intent.
        """
        started = time.perf_counter()
        snapshot = await self._current_snapshot()
        asked = question if isinstance(question, Question) else Question.of(question)
        query = build_query(asked, history)
        if not snapshot.passages or not query.text:
            return Retrieval(query, (), False, time.perf_counter() - started)
        own = asked.searched
        # A follow-up is scored with what it follows up on, and also alone: "so how do I reset my
        # password?" after a shipping question asks about passwords, not shipping.
        # Only a question with a subject of its own may stand alone: "and how long does that take?"
        # after a refund question asks about refunds, however well it matches delivery times.
        queries = [query] if query.text == own.text or not _has_subject(own) else [query, own]
        # One short text, ~10 ms of CPU: encoded on the event loop. Handing it to a thread and back
        # cost up to 8 ms more at the p95 (two wake-ups, each waiting for the GIL), more than the
        # ~10 ms other coroutines wait here.
        vectors = self._encoder.encode([q.text for q in queries])
        scored_queries = [
            (q, *self._scores(snapshot, q, vector, intent, intent_confidence))
            for q, vector in zip(queries, vectors, strict=True)
        ]
        query, combined, dense, lexical = scored_queries[0]
        if len(scored_queries) == 2:
            _, alone, alone_dense, alone_lexical = scored_queries[1]
            # The question alone prefers another passage clearly: it has a subject of its own.
            clearer = float(alone.max()) - float(alone[int(combined.argmax())]) > STANDALONE_MARGIN
            if clearer and float(alone.max()) >= self._min_score:
                query, combined, dense, lexical = own, alone, alone_dense, alone_lexical
        candidates = np.argpartition(-combined, k)[:k] if len(combined) > k else np.arange(len(combined))
        top = candidates[np.argsort(-combined[candidates], kind="stable")]
        scored = tuple(
            ScoredPassage(snapshot.passages[i], float(combined[i]), float(dense[i]), float(lexical[i]))
            for i in top
        )
        confident = bool(scored) and scored[0].score >= self._min_score
        encoded = {q.text: vector for q, vector in zip(queries, vectors, strict=True)}
        return Retrieval(query, scored, confident, time.perf_counter() - started, encoded)

    def _scores(
        self,
        snapshot: IndexSnapshot,
        query: Query,
        vector: np.ndarray,
        intent: str | None,
        intent_confidence: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every passage's combined score for one query, and its dense and (saturated) lexical parts."""
        dense = snapshot.vectors @ vector
        bm25 = snapshot.lexical.score_tokens(query.tokens)
        lexical = bm25 / (bm25 + LEXICAL_HALF_SCORE)
        sure = max(0.0, (intent_confidence - SURE_INTENT) / (1.0 - SURE_INTENT))
        bonus = INTENT_BONUS + SURE_INTENT_BONUS * sure
        combined = dense + LEXICAL_WEIGHT * lexical + bonus * snapshot.intent_mask(intent)
        named = _named_products(snapshot, query.text)
        for position in named:
            combined[position] += EXACT_NAME_BONUS
        if not named and POLICY_CUES.search(query.text):
            combined += POLICY_BONUS * ~snapshot.is_product
        tagged = np.zeros(len(combined), dtype=np.float32)
        for word in set(query.tokens) - FUNCTION_WORDS:
            for position in snapshot.tag_words.get(word, ()):
                tagged[position] += TAG_BONUS
        combined += np.minimum(tagged, MAX_TAG_BONUS)
        return combined, dense, lexical

    async def source_passages(self, source_id: str) -> list[Passage]:
        """Every passage of one article (in order) or the one of a product."""
        snapshot = await self._current_snapshot()
        return sorted(snapshot.by_source.get(source_id, []), key=lambda p: _chunk_number(p.id))

    async def catalogue(self) -> Catalogue:
        """Product names and categories of the current index (what the guard checks names against)."""
        return (await self._current_snapshot()).catalogue

    async def _current_snapshot(self) -> IndexSnapshot:
        try:
            with store_call("read the knowledge index version"):
                version = await self._redis.hget(self._keys.knowledge_meta, "version")
        except StoreUnavailable as error:
            if self._snapshot is None:
                raise
            # Knowledge changes rarely: answering from the last snapshot beats not answering.
            logger.warning(
                "knowledge index version unreadable (%s); using version %s",
                error.__cause__,
                self._snapshot.version,
            )
            return self._snapshot
        if version is None:
            raise StoreDataError("the knowledge index is empty: run `python -m seed demo` (or `seed load`)")
        version_text = text(version)
        if self._snapshot is None or self._snapshot.version != version_text:
            async with self._reload:
                if self._snapshot is None or self._snapshot.version != version_text:
                    self._snapshot = await self._load(version_text)
        return self._snapshot

    async def _load(self, version: str) -> IndexSnapshot:
        started = time.perf_counter()
        with store_call("load the knowledge index"):
            async with self._redis.pipeline(transaction=True) as tx:
                tx.hgetall(self._keys.knowledge_passages)
                tx.hgetall(self._keys.knowledge_vectors)
                tx.hget(self._keys.knowledge_meta, "version")
                raw_passages, raw_vectors, loaded_version = await tx.execute()
        passages = []
        rows = []
        for key, raw in raw_passages.items():
            vector = raw_vectors.get(key)
            if vector is None:
                raise StoreDataError(f"passage {text(key)} has no vector: re-run the seed")
            passages.append(Passage.model_validate_json(raw))
            rows.append(np.frombuffer(vector, dtype=np.float32))
        order = sorted(range(len(passages)), key=lambda i: passages[i].id)
        matrix = np.vstack([rows[i] for i in order]) if rows else np.zeros((0, 384), dtype=np.float32)
        # The version read with the data: a seed may have finished since ``version`` was read.
        snapshot = IndexSnapshot(
            optional_text(loaded_version) or version, [passages[i] for i in order], matrix
        )
        logger.info(
            "knowledge index %s loaded: %d passages in %.0f ms",
            snapshot.version,
            len(passages),
            (time.perf_counter() - started) * 1000,
        )
        return snapshot


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w&'-]+", " ", text.lower()).split())


def _named_products(snapshot: IndexSnapshot, query: str) -> list[int]:
    """Positions of the products whose full name the query contains, longest names only."""
    words = _normalise(query).split()
    found = set()
    for start in range(len(words)):
        for length in range(1, min(snapshot.longest_name, len(words) - start) + 1):
            name = " ".join(words[start : start + length])
            # "yoga mats" asks about the "Yoga Mat".
            for candidate in (name, name[:-1] if name.endswith("s") else None):
                if candidate in snapshot.product_names:
                    found.add(candidate)
    longest = [name for name in found if not any(name != other and name in other for other in found)]
    return [i for name in longest for i in snapshot.product_names[name]]


def _chunk_number(passage_id: str) -> int:
    tail = passage_id.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _intent_mask(snapshot: IndexSnapshot, intent: str | None) -> np.ndarray:
    if intent in PRODUCT_INTENTS:
        return snapshot.is_product.astype(np.float32)
    topics = TOPICS_BY_INTENT.get(intent or "")
    if not topics:
        return np.zeros(len(snapshot.passages), dtype=np.float32)
    return np.array([t in topics for t in snapshot.topics], dtype=np.float32)
