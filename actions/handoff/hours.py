"""The support team's opening hours: store data, read from the store's policy.

A customer who asks for a person out of hours is told when someone will reply and asked
for an e-mail address. The hours are the store's data (``StorePolicy.support_hours``,
seeded from ``seed/generate.py``), not code: days and times in the team's own time zone,
so a customer anywhere is answered from one clock and daylight saving moves with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"
# A week and a day: every opening of a weekly timetable is found within it.
_LOOKAHEAD_DAYS = 8


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class SupportWindow(BaseModel):
    """One stretch of opening time on the named days, e.g. Mon-Fri 08:00-20:00."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[Weekday] = Field(min_length=1)
    opens: str = Field(pattern=_CLOCK, description="HH:MM, the team's local time")
    closes: str = Field(pattern=_CLOCK, description="HH:MM (24:00 for midnight), later than opens")

    @model_validator(mode="after")
    def _closes_after_opening(self) -> SupportWindow:
        if _minutes(self.closes) <= _minutes(self.opens):
            raise ValueError(f"closes ({self.closes}) must be later than opens ({self.opens})")
        return self

    def covers(self, day: Weekday, minute: int) -> bool:
        """Whether ``minute`` (since local midnight) of ``day`` falls in this window."""
        return day in self.days and _minutes(self.opens) <= minute < _minutes(self.closes)


class SupportHours(BaseModel):
    """When people answer the chat: weekly windows in one IANA time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = Field(min_length=1, description="IANA name, e.g. America/New_York")
    timezone_label: str = Field(min_length=1, max_length=12, description="what customers read, e.g. ET")
    windows: list[SupportWindow] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def zone(self) -> tzinfo:
        """The team's time zone."""
        return ZoneInfo(self.timezone)

    def is_open(self, now: datetime) -> bool:
        """Whether the team answers at ``now`` (an aware datetime, any zone)."""
        local = now.astimezone(self.zone)
        day, minute = WEEKDAYS[local.weekday()], local.hour * 60 + local.minute
        return any(window.covers(day, minute) for window in self.windows)

    def next_opening(self, now: datetime) -> datetime | None:
        """When the team is next open from ``now`` (``now`` itself when open), in the team's zone."""
        local = now.astimezone(self.zone)
        if self.is_open(local):
            return local
        best: datetime | None = None
        for offset in range(_LOOKAHEAD_DAYS):
            date = (local + timedelta(days=offset)).date()
            day = WEEKDAYS[date.weekday()]
            for window in self.windows:
                if day not in window.days:
                    continue
                opens = _minutes(window.opens)
                start = datetime(date.year, date.month, date.day, opens // 60, opens % 60, tzinfo=self.zone)
                if start > local and (best is None or start < best):
                    best = start
            if best is not None:
                return best
        return None
