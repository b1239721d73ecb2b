"""The period a dashboard chart covers, and its buckets: days, or hours when the period is short.

All times are UTC. ``from`` and ``to`` are dates (``2026-11-20``: a whole UTC day,
``to`` inclusive) or datetimes with a timezone; without them the last 7 days up to
now are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from web.marketing.responses import RequestInvalid

DEFAULT_PERIOD = timedelta(days=7)
# Hourly buckets below this; a two-day chart of 48 points still reads well.
HOURLY_BELOW = timedelta(days=2)
# A year of days is the longest chart; longer asks would only scan more of the streams.
MAX_PERIOD = timedelta(days=366)

Bucket = Literal["day", "hour"]


class TimeRange(BaseModel):
    """A half-open period [start, end) and the width of its buckets."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime
    bucket: Bucket

    @property
    def step(self) -> timedelta:
        """The width of one bucket."""
        return timedelta(days=1) if self.bucket == "day" else timedelta(hours=1)

    @property
    def first_bucket(self) -> datetime:
        """The start of the bucket holding ``start`` (midnight or the full hour, UTC)."""
        if self.bucket == "day":
            return self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        return self.start.replace(minute=0, second=0, microsecond=0)

    def bucket_starts(self) -> list[datetime]:
        """Every bucket's start, oldest first."""
        starts, moment = [], self.first_bucket
        while moment < self.end:
            starts.append(moment)
            moment += self.step
        return starts

    def bucket_of(self, unix_seconds: float) -> int | None:
        """Index of the bucket holding this moment; None when it lies outside the period."""
        moment = datetime.fromtimestamp(unix_seconds, UTC)
        if not self.start <= moment < self.end:
            return None
        return int((moment - self.first_bucket) // self.step)

    @property
    def start_ms(self) -> int:
        """``start`` in Unix milliseconds (Redis stream ids are in milliseconds)."""
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        """``end`` in Unix milliseconds (exclusive)."""
        return int(self.end.timestamp() * 1000)

    def labels(self) -> list[str]:
        """Bucket starts as ISO 8601 UTC strings, e.g. ``2026-11-20T00:00:00Z``."""
        return [start.strftime("%Y-%m-%dT%H:%M:%SZ") for start in self.bucket_starts()]

    def chart_fields(self) -> dict[str, Any]:
        """What every bucketed chart's answer starts with: ``start``, ``end``, ``bucket`` and ``buckets``."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "bucket": self.bucket,
            "buckets": self.labels(),
        }


def _moment(name: str, value: str, *, end_of_day: bool) -> datetime:
    try:
        if len(value) <= 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise RequestInvalid(f"{name}: must be a date (2026-11-20) or a datetime with a timezone") from error
    if parsed.tzinfo is None:
        raise RequestInvalid(f"{name}: a datetime needs a timezone, e.g. 2026-11-20T09:00:00+00:00")
    return parsed.astimezone(UTC)


def parse_range(params: Mapping[str, str], now: datetime) -> TimeRange:
    """Read ``from`` and ``to`` from query parameters.

    Args:
        params: the request's query parameters.
        now: the current time (aware), the default end.

    Raises:
        RequestInvalid: a bound is not a date or an aware datetime, or the period is empty or too long.

    """
    end = _moment("to", params["to"], end_of_day=True) if params.get("to") else now.astimezone(UTC)
    start = _moment("from", params["from"], end_of_day=False) if params.get("from") else end - DEFAULT_PERIOD
    if start >= end:
        raise RequestInvalid("from: must be before to")
    if end - start > MAX_PERIOD:
        raise RequestInvalid(f"from: the period may be at most {MAX_PERIOD.days} days")
    return TimeRange(start=start, end=end, bucket="hour" if end - start < HOURLY_BELOW else "day")
