"""Profiles, segments and the assignment model in Redis.

Offline runs write with the synchronous client (``write_segmentation``); the
action server reads and assigns with ``redis.asyncio`` (the async functions).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError

from actions.errors import StoreDataError, StoreUnavailable
from actions.keys import CUSTOMER_INTELLIGENCE_TTL_S, Keys
from actions.segments.models import CustomerProfile, Segment, SegmentModel

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")


def _parse(model: type[ModelT], raw: bytes | str, key: str) -> ModelT:
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise StoreDataError(f"{key} does not hold a valid {model.__name__}") from error


async def _call(awaitable: Awaitable[T], what: str) -> T:
    try:
        return await awaitable
    except (RedisError, OSError) as error:
        raise StoreUnavailable(f"could not {what}: {error}") from error


def write_segmentation(
    redis: Redis,
    keys: Keys,
    model: SegmentModel,
    segments: Sequence[Segment],
    profiles: Sequence[CustomerProfile],
) -> None:
    """Replace the model, the segments, the profiles and the run's version in one transaction.

    Readers see either the old run or the new one, and reload on the version in
    ``segments_meta``. Segments of an earlier run with more segments are deleted;
    profiles of customers no longer in the store age out with
    CUSTOMER_INTELLIGENCE_TTL_S.
    """
    try:
        previous = redis.get(keys.segment_model)
        old_k = _parse(SegmentModel, previous, keys.segment_model).k if previous is not None else 0
    except StoreDataError:
        old_k = 0  # an unreadable old model is replaced anyway
    except RedisError as error:
        raise StoreUnavailable(f"could not read the segment model: {error}") from error
    ttl = CUSTOMER_INTELLIGENCE_TTL_S
    try:
        with redis.pipeline(transaction=True) as tx:
            for profile in profiles:
                tx.set(keys.profile(profile.customer_id), profile.model_dump_json(), ex=ttl)
            for segment in segments:
                tx.set(keys.segment(segment.id), segment.model_dump_json(), ex=ttl)
            stale = [keys.segment(n) for n in range(len(segments), old_k)]
            if stale:
                tx.delete(*stale)
            tx.set(keys.segment_model, model.model_dump_json(), ex=ttl)
            tx.delete(keys.segments_meta)
            tx.hset(
                keys.segments_meta,
                mapping={"version": model.version, "k": model.k, "created_at": model.created_at.isoformat()},
            )
            tx.expire(keys.segments_meta, ttl)
            tx.execute()
    except RedisError as error:
        raise StoreUnavailable(f"could not store the segmentation: {error}") from error


async def load_profile(redis: AsyncRedis, keys: Keys, customer_id: str) -> CustomerProfile | None:
    """Load the customer's profile; None when they have none (new, or never segmented)."""
    key = keys.profile(customer_id)
    raw = await _call(redis.get(key), "read a profile")
    return None if raw is None else _parse(CustomerProfile, raw, key)


async def save_profile(redis: AsyncRedis, keys: Keys, profile: CustomerProfile) -> None:
    """Store one profile (a customer assigned after the last run)."""
    await _call(
        redis.set(
            keys.profile(profile.customer_id), profile.model_dump_json(), ex=CUSTOMER_INTELLIGENCE_TTL_S
        ),
        "store a profile",
    )


async def load_model(redis: AsyncRedis, keys: Keys) -> SegmentModel | None:
    """Load the assignment model of the latest run; None if segmentation never ran."""
    raw = await _call(redis.get(keys.segment_model), "read the segment model")
    return None if raw is None else _parse(SegmentModel, raw, keys.segment_model)


async def load_segments(redis: AsyncRedis, keys: Keys, model: SegmentModel) -> list[Segment]:
    """Load the model's segments by id; raises StoreDataError when one is missing or from another run."""
    names = [keys.segment(n) for n in range(model.k)]
    raws = await _call(redis.mget(names), "read the segments")
    segments = []
    for name, raw in zip(names, raws, strict=True):
        if raw is None:
            raise StoreDataError(f"{name} is missing: re-run python -m actions.segments run")
        segment = _parse(Segment, raw, name)
        if segment.model_version != model.version:
            raise StoreDataError(f"{name} belongs to run {segment.model_version}, not {model.version}")
        segments.append(segment)
    return segments
