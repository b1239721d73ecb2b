"""The segmentation in force, read for the marketer: segments with their sizes, and every profile."""

from __future__ import annotations

import logging

from pydantic import BaseModel
from redis.asyncio import Redis

from actions.keys import Keys
from actions.segments.models import CustomerProfile, Segment
from actions.segments.storage import load_model, load_segments
from web.marketing.scans import read_models

logger = logging.getLogger(__name__)


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
    summaries = [SegmentSummary.model_validate(s, from_attributes=True) for s in segments]
    overview = SegmentsOverview(
        version=model.version, created_at=model.created_at.isoformat(), segments=summaries
    )
    return overview, segments


async def load_profiles(redis: Redis, keys: Keys) -> tuple[list[CustomerProfile], int]:
    """Every stored customer profile, and how many keys held no readable profile (skipped, logged)."""
    profiles, unreadable = await read_models(
        redis, keys.profile("*"), CustomerProfile, "read the customer profiles"
    )
    for name in unreadable:
        logger.warning("%s does not hold a valid profile; left out of the preview", name)
    return profiles, len(unreadable)
