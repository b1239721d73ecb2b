"""Support hours as store data: open or closed in the team's own time zone, and when it opens next."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from actions.handoff.hours import SupportHours, SupportWindow
from actions.handoff.wording import opening_phrase, out_of_hours_reply
from actions.store.models import StorePolicy
from seed.generate import POLICY

HOURS = SupportHours(
    timezone="America/New_York",
    timezone_label="ET",
    windows=[
        SupportWindow(days=["mon", "tue", "wed", "thu", "fri"], opens="08:00", closes="20:00"),
        SupportWindow(days=["sat"], opens="09:00", closes="17:00"),
    ],
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (utc(2026, 12, 2, 13, 0), True),  # Wed 8:00 am EST (UTC-5): opening minute
        (utc(2026, 12, 2, 12, 59), False),  # Wed 7:59 am EST
        (utc(2026, 12, 3, 0, 59), True),  # Wed 7:59 pm EST, already Thursday in UTC
        (utc(2026, 12, 3, 1, 0), False),  # Wed 8:00 pm EST: closed
        (utc(2026, 12, 5, 21, 59), True),  # Sat 4:59 pm EST
        (utc(2026, 12, 5, 22, 0), False),  # Sat 5:00 pm EST
        (utc(2026, 12, 6, 16, 0), False),  # Sunday
        (utc(2026, 7, 1, 12, 0), True),  # Wed 8:00 am EDT (UTC-4): summer time moves with the zone
        (utc(2026, 7, 1, 11, 59), False),
    ],
)
def test_open_or_closed_is_decided_on_the_teams_clock(moment: datetime, is_open: bool) -> None:
    assert HOURS.is_open(moment) is is_open


def test_the_next_opening_after_saturday_evening_is_monday_morning_in_the_teams_zone() -> None:
    now = utc(2026, 12, 5, 23, 30)  # Sat 6:30 pm EST
    opening = HOURS.next_opening(now)
    assert opening is not None and opening.isoformat() == "2026-12-07T08:00:00-05:00"
    assert opening_phrase(opening, now, "ET") == "on Monday at 8:00 am ET"


def test_next_opening_is_tomorrow_or_today_as_the_customer_would_say_it() -> None:
    late = utc(2026, 12, 3, 2, 0)  # Wed 9:00 pm EST
    opening = HOURS.next_opening(late)
    assert opening is not None and opening_phrase(opening, late, "ET") == "tomorrow at 8:00 am ET"
    early = utc(2026, 12, 3, 10, 0)  # Thu 5:00 am EST
    opening = HOURS.next_opening(early)
    assert opening is not None and opening_phrase(opening, early, "ET") == "today at 8:00 am ET"
    open_now = utc(2026, 12, 3, 15, 0)
    assert HOURS.next_opening(open_now) == open_now


def test_a_window_to_midnight_and_one_from_midnight_are_one_stretch() -> None:
    hours = SupportHours(
        timezone="Europe/Berlin",
        timezone_label="CET",
        windows=[SupportWindow(days=["fri"], opens="18:00", closes="24:00"),
                 SupportWindow(days=["sat"], opens="00:00", closes="02:00")],
    )  # fmt: skip
    assert hours.is_open(utc(2026, 12, 4, 22, 59))  # Fri 23:59 CET
    assert hours.is_open(utc(2026, 12, 4, 23, 0))  # Sat 00:00 CET
    assert not hours.is_open(utc(2026, 12, 5, 1, 0))  # Sat 02:00 CET


def test_hours_that_cannot_be_kept_are_refused_naming_the_problem() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        SupportHours(timezone="Mars/Olympus", timezone_label="MT", windows=HOURS.windows)
    with pytest.raises(ValidationError, match="must be later than opens"):
        SupportWindow(days=["mon"], opens="20:00", closes="08:00")
    with pytest.raises(ValidationError, match="closes"):
        SupportWindow(days=["mon"], opens="08:00", closes="25:00")
    with pytest.raises(ValidationError, match="days"):
        SupportWindow.model_validate({"days": ["funday"], "opens": "08:00", "closes": "09:00"})


def test_the_demo_store_policy_carries_the_help_centres_hours_and_round_trips_as_json() -> None:
    assert POLICY.support_hours is not None and POLICY.support_hours.timezone == "America/New_York"
    assert StorePolicy.model_validate_json(POLICY.model_dump_json()) == POLICY
    # A policy stored before hours existed still loads: such a store is treated as always staffed.
    older = POLICY.model_dump(exclude={"support_hours"})
    assert StorePolicy.model_validate(older).support_hours is None


def test_the_out_of_hours_reply_names_the_opening_and_keeps_the_handoff_promise() -> None:
    reply = out_of_hours_reply("on Monday at 8:00 am ET")
    assert "back on Monday at 8:00 am ET" in reply and "e-mail address" in reply
    assert "a person will follow up" in reply
    assert "a person will follow up" in out_of_hours_reply(None)
