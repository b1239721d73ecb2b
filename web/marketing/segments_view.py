"""The segmentation in force, read for the marketer: segments with their sizes, and every profile."""

from __future__ import annotations

import logging

from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from actions.errors import StoreUnavailable
from actions.keys import Keys
from actions.segments.models import CustomerProfile, Segment
from actions.segments.storage import load_model, load_segments
from web.marketing.streams import text

logger = logging.getLogger(__name__)

MGET_BATCH = 500


class SegmentSummary(BaseModel):
    """One segment as the console lists it."""

    id: int
    label: str
    size: int
    share: float
    traits: list[str]
    top_categories: list[str]


class SegmentsOverview(BaseModel):
    """The latest segmentation run: None values and no segments when it never ran."""

    version: str | None
    created_at: str | None
    segments: list[SegmentSummary]


async def segments_overview(redis: Redis, keys: Keys) -> tuple[SegmentsOverview, list[Segment]]:
    """Return the run's segments, summarised and as stored.

    Raises:
        StoreDataError: the run is incomplete (a segment is missing or from another run).

    """
    model = await load_model(redis, keys)
    if model is None:
        return SegmentsOverview(version=None, created_at=None, segments=[]), []
    segments = await load_segments(redis, keys, model)
    summaries = [
        SegmentSummary(
            id=s.id,
            label=s.label,
            size=s.size,
            share=s.share,
            traits=s.traits,
            top_categories=s.top_categories,
        )
        for s in segments
    ]
    overview = SegmentsOverview(
        version=model.version, created_at=model.created_at.isoformat(), segments=summaries
    )
    return overview, segments


async def load_profiles(redis: Redis, keys: Keys) -> tuple[list[CustomerProfile], int]:
    """Every stored customer profile, and how many keys held no readable profile (skipped, logged)."""
    profiles: list[CustomerProfile] = []
    unreadable = 0
    try:
        names = [name async for name in redis.scan_iter(match=keys.profile("*"), count=1000, _type="STRING")]
        for offset in range(0, len(names), MGET_BATCH):
            batch = names[offset : offset + MGET_BATCH]
            for name, raw in zip(batch, await redis.mget(batch), strict=True):
                if raw is None:  # expired between the scan and the read
                    continue
                try:
                    profiles.append(CustomerProfile.model_validate_json(raw))
                except ValidationError:
                    unreadable += 1
                    logger.warning("%s does not hold a valid profile; left out of the preview", text(name))
    except RedisError as error:
        raise StoreUnavailable("could not read the customer profiles") from error
    return profiles, unreadable
