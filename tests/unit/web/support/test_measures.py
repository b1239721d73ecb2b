"""Each measure of the support lead's view on hand-built records."""

from __future__ import annotations

import pytest

from tests.unit.web.support.records import DAY, T0, claim, close, hand_back, handoff, rating, reply
from web.support.measures import (
    FirstReply,
    Takeover,
    average,
    first_replies,
    median,
    percentile_90,
    rated,
    recontacts,
    takeovers,
)


def _by_conversation(found: list[FirstReply]) -> dict[str, FirstReply]:
    return {item.handoff.conversation_id: item for item in found}


def test_first_reply_is_timed_from_the_request_to_the_first_agent_reply_after_it() -> None:
    requests = [handoff("a", T0 + 100.4), handoff("never-claimed", T0), handoff("claimed-only", T0)]
    events = [
        reply("a", "old.agent", T0 + 50),  # answered an earlier handoff, before this request
        claim("a", "sam", T0 + 130),
        reply("a", "sam", T0 + 190),
        reply("a", "kim", T0 + 400),
        claim("claimed-only", "kim", T0 + 60),
        reply("other", "kim", T0 + 70),
    ]
    found = _by_conversation(first_replies(requests, events))
    assert (found["a"].agent, found["a"].seconds, found["a"].claimed) == ("sam", pytest.approx(89.6), True)
    assert (found["never-claimed"].seconds, found["never-claimed"].claimed) == (None, False)
    assert (found["claimed-only"].seconds, found["claimed-only"].claimed, found["claimed-only"].agent) == (
        None,
        True,
        None,
    )


def test_a_reply_logged_in_the_same_whole_second_as_the_request_counts() -> None:
    # Audit times are whole seconds: a reply at 100.9 is logged as 100.
    (found,) = first_replies([handoff("a", T0 + 100.7)], [reply("a", "sam", T0 + 100)])
    assert (found.agent, found.seconds) == ("sam", 0.0)


def test_handle_time_runs_from_the_latest_claim_to_the_close_or_hand_back() -> None:
    events = [
        claim("a", "sam", T0),
        close("a", "sam", T0 + 600),
        claim("b", "kim", T0 + 10),
        claim("b", "sam", T0 + 100),  # taken again (after a release): the latest claim counts
        hand_back("b", "sam", T0 + 400),
        close("c", "kim", T0 + 50),  # its claim is older than the records read
        claim("d", "kim", T0 + 60),  # still open
    ]
    assert takeovers(events) == [
        Takeover("b", "sam", T0 + 100, T0 + 400, closed=False),
        Takeover("a", "sam", T0, T0 + 600, closed=True),
    ]
    assert [t.seconds for t in takeovers(events)] == [300.0, 600.0]


def test_a_customer_who_comes_back_within_seven_days_is_a_recontact() -> None:
    closed = [
        Takeover("asked-again", "sam", T0 - 600, T0, closed=True),
        Takeover("same-customer", "sam", T0 - 600, T0, closed=True),
        Takeover("taken-again", "kim", T0 - 600, T0, closed=True),
        Takeover("after-8-days", "kim", T0 - 600, T0, closed=True),
        Takeover("quiet", "kim", T0 - 600, T0, closed=True),
        Takeover("handed-back", "kim", T0 - 600, T0, closed=False),
    ]
    requests = [
        handoff("asked-again", T0 + 3 * DAY),
        handoff("same-customer", T0 - 700, customer="customer:C-1"),
        handoff("other-chat-of-C-1", T0 + 7 * DAY - 1, customer="customer:C-1"),
        handoff("after-8-days", T0 + 8 * DAY),
        handoff("quiet", T0 - 700),
    ]
    events = [
        claim("taken-again", "sam", T0 + DAY),
        claim("after-8-days", "sam", T0 + 8 * DAY),
        claim("quiet", "kim", T0),  # at the very moment of the close: not after it
    ]
    found = {r.takeover.conversation_id: r.came_back for r in recontacts(closed, requests, events)}
    assert found == {
        "asked-again": True,
        "same-customer": True,
        "taken-again": True,
        "after-8-days": False,
        "quiet": False,
    }


def test_a_rating_within_a_day_after_a_takeover_is_after_a_person() -> None:
    ended = [
        Takeover("a", "sam", T0, T0 + 600, closed=True),
        Takeover("b", "kim", T0, T0 + 600, closed=False),
        Takeover("b", "sam", T0 + 900, T0 + 1200, closed=True),
    ]
    scores = [
        rating("a", 5, T0 + 660),
        rating("b", 2, T0 + 1200.5),  # the later takeover, logged in the same second
        rating("a", 1, T0 + 600 + DAY + 1),  # more than a day later: the bot's work again
        rating("c", 4, T0),  # never taken over
        rating("a", 3, T0 + 100),  # before the takeover ended
    ]
    assert [r.agent for r in rated(scores, ended)] == ["sam", "sam", None, None, None]


def test_summaries_of_no_values_are_none() -> None:
    assert (median([]), percentile_90([]), average([])) == (None, None, None)
    assert median([3.0, 1.0, 2.0, 10.0]) == 2.5
    assert percentile_90([float(v) for v in range(1, 11)]) == 9.0
    assert percentile_90([5.0]) == 5.0
    assert average([5, 4, 4]) == 4.33
