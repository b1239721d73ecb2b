"""Recommends products for a customer or an anonymous visitor.

Each in-stock product the customer has not bought gets four signals in [0, 1]:

* **text** (TEXT_WEIGHT): cosine of its catalogue passage's vector with the
  conversation text, rescaled so the best match is 1 and TEXT_FLOOR is 0; off
  when even the best match is under TEXT_MIN_BEST (the text is not about products);
* **affinity** (AFFINITY_WEIGHT): the customer's share of spend in its category,
  over their largest share. Anonymous visitors: the categories they named, else
  their provisional segment's shares;
* **segment** (SEGMENT_WEIGHT): its rank among the best sellers of the
  customer's segment (1 for the first, falling linearly), or of the whole store
  when there is no segment;
* **together** (TOGETHER_WEIGHT): how strongly it is bought together with the
  customer's recent purchases and the products passed as seeds, over the strongest.

The score is the weighted sum; the reason shown is the signal that contributed most.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError
from redis.asyncio import Redis

from actions.errors import StoreDataError
from actions.keys import Keys
from actions.knowledge.encoder import TextEncoder
from actions.recommendations.models import ReasonCode, Recommendation
from actions.recommendations.snapshot import RecommendationSnapshot, SnapshotLoader
from actions.redis_edge import members, store_call
from actions.segments.models import CustomerProfile
from actions.segments.provisional import ProvisionalSegment, provisional_segment
from actions.segments.storage import load_profile

logger = logging.getLogger(__name__)

# What the customer says now matters most; what they bought before comes next;
# the crowd's signals (segment and together) break ties and fill silent turns.
TEXT_WEIGHT = 0.45
AFFINITY_WEIGHT = 0.25
SEGMENT_WEIGHT = 0.15
TOGETHER_WEIGHT = 0.15
# MiniLM cosines under ~0.15 are unrelated texts; a best match under 0.3 means
# the text ("hi", "thanks") says nothing about products.
TEXT_FLOOR = 0.15
TEXT_MIN_BEST = 0.30
# Latest orders read at run time: seeds for "bought together" and purchases
# made since the profile was computed (the profile lists the older ones).
RECENT_ORDERS = 20
DEFAULT_LIMIT = 5
REASONS: dict[str, ReasonCode] = {
    "text": "similar",
    "affinity": "your_categories",
    "segment": "popular_in_segment",
    "together": "bought_together",
}


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_id: str


class _OrderItems(BaseModel):
    """Just the parts of an order the recommender reads (faster than the full Order)."""

    model_config = ConfigDict(extra="ignore")

    status: str
    items: list[_Item]


class Recommender:
    """Blends content similarity, segment best sellers and bought-together into a ranked list."""

    def __init__(
        self, redis: Redis, keys: Keys, encoder: TextEncoder | None, loader: SnapshotLoader | None = None
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._encoder = encoder
        # Shared with the shopping search when given: one catalogue snapshot per process.
        self._loader = loader or SnapshotLoader(redis, keys)

    async def recommend(
        self,
        customer_id: str | None = None,
        text: str = "",
        *,
        profile: CustomerProfile | None = None,
        query_vector: np.ndarray | None = None,
        seed_product_ids: Sequence[str] = (),
        exclude: Sequence[str] = (),
        limit: int = DEFAULT_LIMIT,
    ) -> list[Recommendation]:
        """Up to ``limit`` products, best first.

        Args:
            customer_id: A verified customer id; None for an anonymous visitor.
            text: The customer's recent messages (what they are looking for).
            profile: The customer's profile if the caller has it; loaded when None.
            query_vector: ``text`` already embedded (e.g. by retrieval); saves an encoder call.
            seed_product_ids: Products in focus (e.g. the one just asked about) for "bought together".
            exclude: Products not to suggest (e.g. shown a moment ago).
            limit: How many to return.

        Raises:
            StoreUnavailable: Redis did not answer and no snapshot was loaded yet.
            StoreDataError: The store was never seeded, or its data is malformed.

        """
        snapshot = await self._loader.current()
        if profile is None and customer_id:
            profile = await load_profile(self._redis, self._keys, customer_id)
        recent = await self._recent_purchases(customer_id) if customer_id else []
        bought = set(recent) | set(profile.purchased_product_ids if profile else ())
        segment_id, affinity = self._segment_and_affinity(snapshot, profile, text)
        segment = snapshot.segments.get(segment_id) if segment_id is not None else None
        if segment is not None and profile is not None and profile.model_version != segment.model_version:
            segment = None  # a profile from an earlier run: its segment number means another group now
        weighted = {
            "text": TEXT_WEIGHT * await self._text_signal(snapshot, text, query_vector),
            "affinity": AFFINITY_WEIGHT * _affinity_signal(snapshot, affinity),
            "segment": SEGMENT_WEIGHT
            * snapshot.rank_scores(segment.best_sellers if segment else snapshot.popular),
            "together": TOGETHER_WEIGHT * self._together_signal(snapshot, [*seed_product_ids, *recent]),
        }
        total = sum(weighted.values())
        allowed = snapshot.in_stock.copy()
        for product_id in (*bought, *exclude):
            position = snapshot.position.get(product_id)
            if position is not None:
                allowed[position] = False
        total = np.where(allowed & (total > 0), total, -1.0)
        order = np.argsort(-total, kind="stable")[:limit]
        names = list(weighted)
        stacked = np.vstack([weighted[name] for name in names])
        results = []
        for position in order:
            if total[position] <= 0:
                break
            product = snapshot.products[position]
            strongest = names[int(stacked[:, position].argmax())]
            results.append(
                Recommendation(
                    product_id=product.id,
                    name=product.name,
                    price=product.price,
                    category=product.category,
                    reason=_reason(strongest, segment is not None),
                    score=round(float(total[position]), 4),
                )
            )
        logger.debug("recommendations for customer_id=%s: %s", customer_id, [r.product_id for r in results])
        return results

    async def provisional(self, text: str) -> ProvisionalSegment:
        """Guess an anonymous visitor's segment from their words (for the segment slots).

        Uses the segments and category vocabulary of the current snapshot;
        ``segments.provisional`` documents the rules.
        """
        snapshot = await self._loader.current()
        return provisional_segment(text, list(snapshot.segments.values()), snapshot.vocabulary)

    async def _text_signal(
        self, snapshot: RecommendationSnapshot, text: str, query_vector: np.ndarray | None
    ) -> np.ndarray:
        zeros = np.zeros(len(snapshot.products), dtype=np.float32)
        if query_vector is None:
            if not text.strip() or self._encoder is None or not snapshot.has_vector.any():
                return zeros
            encoder = self._encoder
            query_vector = (await asyncio.to_thread(encoder.encode, [text]))[0]
        cosine = np.where(
            snapshot.has_vector, snapshot.vectors @ np.asarray(query_vector, dtype=np.float32), 0.0
        )
        best = float(cosine.max()) if len(cosine) else 0.0
        if best < TEXT_MIN_BEST:
            return zeros
        return np.clip((cosine - TEXT_FLOOR) / (best - TEXT_FLOOR), 0.0, 1.0).astype(np.float32)

    @staticmethod
    def _together_signal(snapshot: RecommendationSnapshot, seeds: Sequence[str]) -> np.ndarray:
        scores = np.zeros(len(snapshot.products), dtype=np.float32)
        for seed in dict.fromkeys(seeds):
            for other, score in snapshot.together.get(seed, ()):
                position = snapshot.position.get(other)
                if position is not None:
                    scores[position] += score
        peak = float(scores.max()) if len(scores) else 0.0
        return scores / peak if peak > 0 else scores

    @staticmethod
    def _segment_and_affinity(
        snapshot: RecommendationSnapshot, profile: CustomerProfile | None, text: str
    ) -> tuple[int | None, dict[str, float]]:
        if profile is not None and profile.features.category_affinity:
            return profile.segment_id, profile.features.category_affinity
        guess = provisional_segment(text, list(snapshot.segments.values()), snapshot.vocabulary)
        affinity = guess.interest or guess.segment_affinity
        if profile is not None:
            # A known customer who has not bought yet: their segment, the words' categories.
            return profile.segment_id, affinity
        return guess.segment_id, affinity

    async def _recent_purchases(self, customer_id: str) -> list[str]:
        """Products of the customer's latest orders, newest first (cancelled orders left out)."""
        with store_call(f"read the orders of customer {customer_id}", with_cause=True):
            ids = await self._redis.zrevrange(self._keys.customer_orders(customer_id), 0, RECENT_ORDERS - 1)
            names = [self._keys.order(order_id) for order_id in members(ids)]
            raws = await self._redis.mget(names) if names else []
        products: list[str] = []
        try:
            for raw in raws:
                if raw is None:
                    continue
                order = _OrderItems.model_validate_json(raw)
                if order.status != "cancelled":
                    products.extend(item.product_id for item in order.items)
        except ValidationError as error:
            raise StoreDataError(f"an order of customer {customer_id} is malformed") from error
        return list(dict.fromkeys(products))


def _affinity_signal(snapshot: RecommendationSnapshot, affinity: dict[str, float]) -> np.ndarray:
    shares = np.array([affinity.get(c, 0.0) for c in snapshot.categories], dtype=np.float32)
    peak = float(shares.max()) if len(shares) else 0.0
    if peak <= 0:
        return np.zeros(len(snapshot.products), dtype=np.float32)
    return np.asarray(shares[snapshot.category_of] / peak, dtype=np.float32)


def _reason(signal: str, has_segment: bool) -> ReasonCode:
    if signal == "segment" and not has_segment:
        return "popular"
    return REASONS[signal]
