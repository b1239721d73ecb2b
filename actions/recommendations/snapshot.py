"""What the recommender keeps in memory: catalogue, product vectors, segments and tables.

One snapshot per process, reloaded only when one of the versions it was built
from changes (store, knowledge index, segmentation run, recommendation
tables); checking them costs one pipelined round trip per request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError
from redis.asyncio import Redis

from actions.errors import StoreDataError, StoreUnavailable
from actions.keys import Keys
from actions.knowledge.embedding import DIMENSION
from actions.knowledge.passages import Passage
from actions.recommendations.tables import Together, parse_popular, parse_together
from actions.redis_edge import optional_text, store_call
from actions.segments.models import Segment, SegmentModel
from actions.segments.provisional import category_vocabulary
from actions.store.models import Product

logger = logging.getLogger(__name__)

Versions = tuple[str, str, str, str]


@dataclass(frozen=True)
class RecommendationSnapshot:
    """Arrays over the catalogue (one row per product, in id order) and the tables that score them."""

    versions: Versions
    products: list[Product]
    position: dict[str, int]
    vectors: np.ndarray
    has_vector: np.ndarray
    in_stock: np.ndarray
    category_of: np.ndarray
    categories: list[str]
    segments: dict[int, Segment]
    together: Together
    popular: list[str]
    vocabulary: dict[str, frozenset[str]]

    def rank_scores(self, product_ids: list[str]) -> np.ndarray:
        """1.0 for the first id, falling linearly to 1/len for the last; 0 for products not listed."""
        scores = np.zeros(len(self.products), dtype=np.float32)
        for rank, product_id in enumerate(product_ids):
            position = self.position.get(product_id)
            if position is not None:
                scores[position] = 1.0 - rank / len(product_ids)
        return scores


def _product_vectors(
    position: dict[str, int], raw_passages: dict[bytes, bytes], raw_vectors: dict[bytes, bytes]
) -> tuple[np.ndarray, np.ndarray]:
    """Arrange the knowledge index's product vectors in catalogue order; products without one get zeros."""
    vectors = np.zeros((len(position), DIMENSION), dtype=np.float32)
    has_vector = np.zeros(len(position), dtype=bool)
    for key, raw in raw_passages.items():
        passage = Passage.model_validate_json(raw)
        row = position.get(passage.source_id)
        vector = raw_vectors.get(key)
        if passage.kind == "product" and row is not None and vector is not None:
            vectors[row] = np.frombuffer(vector, dtype=np.float32)
            has_vector[row] = True
    return vectors, has_vector


class SnapshotLoader:
    """Gives the current snapshot, reloading it when a version changes."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._snapshot: RecommendationSnapshot | None = None
        self._reload = asyncio.Lock()

    async def current(self) -> RecommendationSnapshot:
        """Return the snapshot for the versions now in Redis, reloading it if one changed."""
        try:
            with store_call("read recommendation data", with_cause=True):
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.hget(self._keys.meta, "version")
                    pipe.hget(self._keys.knowledge_meta, "version")
                    pipe.hget(self._keys.segments_meta, "version")
                    pipe.hget(self._keys.recommendation_meta, "version")
                    raw = await pipe.execute()
        except StoreUnavailable as error:
            if self._snapshot is None:
                raise
            # The catalogue changes rarely: recommending from the last snapshot beats failing.
            logger.warning(
                "recommendation versions unreadable (%s); using the last snapshot", error.__cause__
            )
            return self._snapshot
        store, knowledge, segments, tables = (optional_text(version) or "" for version in raw)
        versions: Versions = (store, knowledge, segments, tables)
        if not versions[0]:
            raise StoreDataError(f"{self._keys.meta} has no version: seed the store first")
        if self._snapshot is None or self._snapshot.versions != versions:
            async with self._reload:
                if self._snapshot is None or self._snapshot.versions != versions:
                    self._snapshot = await self._load(versions)
        return self._snapshot

    async def _load(self, versions: Versions) -> RecommendationSnapshot:
        started = time.perf_counter()
        keys = self._keys
        try:
            with store_call("read recommendation data", with_cause=True):
                async with self._redis.pipeline(transaction=True) as tx:
                    tx.hgetall(keys.products)
                    tx.hgetall(keys.knowledge_passages)
                    tx.hgetall(keys.knowledge_vectors)
                    tx.get(keys.segment_model)
                    tx.hgetall(keys.bought_together)
                    tx.hget(keys.recommendation_meta, "popular")
                    (
                        raw_products,
                        raw_passages,
                        raw_vectors,
                        raw_model,
                        raw_together,
                        raw_popular,
                    ) = await tx.execute()
                products = sorted(
                    (Product.model_validate_json(v) for v in raw_products.values()), key=lambda p: p.id
                )
                segments = await self._segments(raw_model)
                position = {p.id: i for i, p in enumerate(products)}
                vectors, has_vector = _product_vectors(position, raw_passages, raw_vectors)
        except ValidationError as error:
            raise StoreDataError("catalogue, knowledge index or segments in Redis are malformed") from error
        categories = sorted({p.category for p in products})
        index = {c: i for i, c in enumerate(categories)}
        snapshot = RecommendationSnapshot(
            versions=versions,
            products=products,
            position=position,
            vectors=vectors,
            has_vector=has_vector,
            in_stock=np.array([p.in_stock for p in products], dtype=bool),
            category_of=np.array([index[p.category] for p in products], dtype=np.int64),
            categories=categories,
            segments=segments,
            together=parse_together(raw_together),
            popular=parse_popular(raw_popular),
            vocabulary=category_vocabulary(products),
        )
        logger.info(
            "recommendation snapshot loaded: %d products (%d with vectors), %d segments in %.0f ms",
            len(products), int(has_vector.sum()), len(segments), (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        return snapshot

    async def _segments(self, raw_model: bytes | None) -> dict[int, Segment]:
        if raw_model is None:
            return {}
        model = SegmentModel.model_validate_json(raw_model)
        raws = await self._redis.mget([self._keys.segment(n) for n in range(model.k)])
        segments = [Segment.model_validate_json(raw) for raw in raws if raw is not None]
        # Segments of another run than the model's are ignored: ids would not match.
        return {s.id: s for s in segments if s.model_version == model.version}
