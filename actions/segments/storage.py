"""Profiles, segments and the assignment model in Redis.

Offline runs write with the synchronous client (``write_segmentation``); the
action server reads and assigns with ``redis.asyncio`` (the async functions).
"""

from __future__ import annotations

from collections.abc import Sequence

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.errors import StoreDataError
from actions.keys import CUSTOMER_INTELLIGENCE_TTL_S, Keys
from actions.redis_edge import parse_stored, store_call
from actions.segments.models import CustomerProfile, Segment, SegmentModel


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
    with store_call("read the segment model", with_cause=True):
        previous = redis.get(keys.segment_model)
    try:
        old_k = parse_stored(SegmentModel, previous, keys.segment_model).k if previous is not None else 0
    except StoreDataError:
        old_k = 0  # an unreadable old model is replaced anyway
    ttl = CUSTOMER_INTELLIGENCE_TTL_S
    with store_call("store the segmentation", with_cause=True):
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


async def load_profile(redis: AsyncRedis, keys: Keys, customer_id: str) -> CustomerProfile | None:
    """Load the customer's profile; None when they have none (new, or never segmented)."""
    key = keys.profile(customer_id)
    with store_call("read a profile", with_cause=True):
        raw = await redis.get(key)
    return None if raw is None else parse_stored(CustomerProfile, raw, key)


async def save_profile(redis: AsyncRedis, keys: Keys, profile: CustomerProfile) -> None:
    """Store one profile (a customer assigned after the last run)."""
    with store_call("store a profile", with_cause=True):
        await redis.set(
            keys.profile(profile.customer_id), profile.model_dump_json(), ex=CUSTOMER_INTELLIGENCE_TTL_S
        )


async def load_model(redis: AsyncRedis, keys: Keys) -> SegmentModel | None:
    """Load the assignment model of the latest run; None if segmentation never ran."""
    with store_call("read the segment model", with_cause=True):
        raw = await redis.get(keys.segment_model)
    return None if raw is None else parse_stored(SegmentModel, raw, keys.segment_model)


async def load_segments(redis: AsyncRedis, keys: Keys, model: SegmentModel) -> list[Segment]:
    """Load the model's segments by id; raises StoreDataError when one is missing or from another run."""
    names = [keys.segment(n) for n in range(model.k)]
    with store_call("read the segments", with_cause=True):
        raws = await redis.mget(names)
    segments = []
    for name, raw in zip(names, raws, strict=True):
        if raw is None:
            raise StoreDataError(f"{name} is missing: re-run python -m jobs.segments run")
        segment = parse_stored(Segment, raw, name)
        if segment.model_version != model.version:
            raise StoreDataError(f"{name} belongs to run {segment.model_version}, not {model.version}")
        segments.append(segment)
    return segments


async def customer_profile(redis: AsyncRedis, keys: Keys, customer_id: str) -> CustomerProfile | None:
    """A verified customer's profile; one new since the last run is assigned (and stored) now.

    The one lookup of a customer's segment: the action server personalises with it and
    the agent console shows it, so the two never disagree about a customer.

    Raises:
        StoreDataError: Segmentation never ran, or stored data is malformed.
        StoreUnavailable: Redis did not answer.

    """
    # Imported here: assignment builds on this module's readers and writers.
    from actions.segments.assign import assign_customer

    profile = await load_profile(redis, keys, customer_id)
    return profile or await assign_customer(redis, keys, customer_id)
