"""Handoff rate by reason and customer satisfaction over a period, for the marketer dashboard.

Handoffs are the ``handoff:{conversation}`` hashes the action server writes (one
per conversation: its latest request; they expire HANDOFF_TTL_S after the last
request). Conversations started are the distinct senders of ``session_started``
events in the ``events`` stream during the period. CSAT scores come from the
``csat`` stream.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from pydantic import BaseModel
from redis.asyncio import Redis

from actions.handoff.queue import HandoffRequest
from actions.keys import HANDOFF_TTL_S, Keys
from web.marketing.offer_stats import rate
from web.marketing.scans import read_models
from web.marketing.streams import count_entries
from web.marketing.timerange import TimeRange

logger = logging.getLogger(__name__)

CONVERSATION_SOURCE = (
    "conversations started = distinct conversations with a session_started event "
    "in the events stream during the period"
)
HANDOFF_SOURCE = (
    f"handoffs = handoff requests made during the period; a request is kept {HANDOFF_TTL_S // 86400} days, "
    "and a conversation that asked twice counts once, with its latest reasons"
)
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_BRACKETS = re.compile(r"\s*\([^)]*\)")


def reason_groups(reason: str) -> list[str]:
    """Group free-text reasons: ``anger rising over 3 turns; very negative message (sentiment -0.91)``.

    Returns ``["anger rising over N turns", "very negative message"]``: one group per
    ``;``-separated part, with figures left out so that the same cause groups together.
    """
    groups = []
    for part in reason.split(";"):
        group = " ".join(_NUMBER.sub("N", _BRACKETS.sub("", part)).split())
        if group and group not in groups:
            groups.append(group)
    return groups or ["(no reason given)"]


class ReasonCount(BaseModel):
    """Handoffs with one reason, and their share of the conversations started."""

    reason: str
    count: int
    rate: float | None


class HandoffStats(BaseModel):
    """What the handoff chart draws. A handoff with several reasons counts under each."""

    start: str
    end: str
    conversations_started: int
    handoffs: int
    rate: float | None
    by_reason: list[ReasonCount]
    sources: list[str]
    malformed: int = 0


async def _handoff_requests(redis: Redis, keys: Keys) -> tuple[list[HandoffRequest], int]:
    """Every stored handoff request, and how many hashes held no readable request."""
    requests, unreadable = await read_models(
        redis, keys.handoff("*"), HandoffRequest, "read the handoff requests", field="request"
    )
    for name in unreadable:
        logger.debug("handoff hash %s holds no valid request; skipped", name)
    if unreadable:
        logger.warning(
            "%d handoff hashes hold no valid request; left out of the handoff rate", len(unreadable)
        )
    return requests, len(unreadable)


async def conversations_started(redis: Redis, keys: Keys, period: TimeRange) -> int:
    """Distinct conversations with a ``session_started`` event appended during the period."""
    counts = await count_entries(
        redis, keys.events, period, ("sender_id",), where=("type", "session_started")
    )
    return len({key[0] for key in counts.counts})


async def handoff_stats(redis: Redis, keys: Keys, period: TimeRange) -> HandoffStats:
    """Handoffs requested during the period by reason, per conversation started."""
    requests, malformed = await _handoff_requests(redis, keys)
    start, end = period.start.timestamp(), period.end.timestamp()
    in_period = [r for r in requests if start <= r.requested_at < end]
    started = await conversations_started(redis, keys, period)
    reasons: Counter[str] = Counter()
    for request in in_period:
        reasons.update(reason_groups(request.reason))
    return HandoffStats(
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        conversations_started=started,
        handoffs=len(in_period),
        rate=rate(len(in_period), started),
        by_reason=[
            ReasonCount(reason=reason, count=count, rate=rate(count, started))
            for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        ],
        sources=[CONVERSATION_SOURCE, HANDOFF_SOURCE],
        malformed=malformed,
    )


class CsatStats(BaseModel):
    """What the CSAT charts draw: the distribution of scores and the average per bucket."""

    start: str
    end: str
    bucket: str
    buckets: list[str]
    distribution: dict[str, int]
    count: int
    average: float | None
    count_by_bucket: list[int]
    average_by_bucket: list[float | None]
    malformed: int = 0


def _average(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None


async def csat_stats(redis: Redis, keys: Keys, period: TimeRange) -> CsatStats:
    """Scores given during the period (by their ``at``): how many of each, and the average per bucket."""
    width = len(period.bucket_starts())
    counts, totals = [0] * width, [0] * width
    distribution = {str(score): 0 for score in range(1, 6)}
    found = await count_entries(redis, keys.csat, period, ("score",), time_field="at")
    malformed = found.malformed
    for (score, bucket), count in found.counts.items():
        index = int(bucket)
        if score not in distribution or not 0 <= index < width:
            malformed += count
            continue
        counts[index] += count
        totals[index] += int(score) * count
        distribution[score] += count
    if malformed:
        logger.warning("%s: %d entries in the period are malformed; skipped", keys.csat, malformed)
    return CsatStats(
        **period.chart_fields(),
        distribution=distribution,
        count=sum(counts),
        average=_average(sum(totals), sum(counts)),
        count_by_bucket=counts,
        average_by_bucket=[_average(t, c) for t, c in zip(totals, counts, strict=True)],
        malformed=malformed,
    )
