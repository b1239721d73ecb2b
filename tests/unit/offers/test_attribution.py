"""Who converts for a rule: the first arm counts, the 7-day window, anonymous visitors left out."""

from __future__ import annotations

from actions.offers.attribution import CONTROL_ARM, OVERALL, first_arms, tally
from actions.offers.events import EventType, OfferEvent

DAY = 86400.0
T0 = 1_800_000_000.0


def event(kind: EventType, customer: str, at: float, variant: str = "a", segment: str = "1") -> OfferEvent:
    return OfferEvent(
        type=kind,
        rule="welcome",
        kind="upsell",
        variant="" if kind == "control" else variant,
        segment=segment,
        conversation=f"conv-{customer}-{at}",
        customer=customer,
        version=1,
        ts=at,
    )


def test_each_customer_counts_once_in_the_arm_they_first_fell_in() -> None:
    found = first_arms(
        [
            event("exposure", "C1", T0 + 50, variant="b"),  # later in the stream, earlier in time
            event("control", "C1", T0 + 10),
            event("exposure", "C1", T0 + 100, variant="a"),
            event("click", "C2", T0 + 5),
            event("accept", "C2", T0 + 6),
            event("exposure", "C2", T0 + 20, variant="a"),
            event("exposure", "C2", T0 + 30 * DAY, variant="b"),
        ]
    )
    assert {k: (f.arm, f.at) for k, f in found.firsts.items()} == {
        ("welcome", "C1"): (CONTROL_ARM, T0 + 10),
        ("welcome", "C2"): ("a", T0 + 20),
    }
    result = tally(found, {("welcome", "C1"): True}, now=T0 + 60 * DAY)["welcome"]
    assert result.arm(OVERALL, CONTROL_ARM).model_dump() == {"customers": 1, "converted": 1}
    assert result.arm(OVERALL, "a").model_dump() == {"customers": 1, "converted": 0}
    assert result.arm(OVERALL, "b").customers == 0
    assert result.arm("1", CONTROL_ARM).customers == 1  # the segment the first event named


def test_anonymous_visitors_are_left_out_and_counted_apart() -> None:
    found = first_arms([event("exposure", "anonymous", T0), event("control", "anonymous", T0 + 1)])
    assert found.firsts == {} and found.anonymous == {"welcome": 2}
    result = tally(found, {}, now=T0 + 30 * DAY)["welcome"]
    assert result.anonymous == 2 and result.scopes == {}


def test_customers_still_in_their_window_are_pending_not_counted() -> None:
    found = first_arms([event("exposure", "C1", T0), event("exposure", "C2", T0 + 3 * DAY)])
    result = tally(found, {("welcome", "C1"): True, ("welcome", "C2"): True}, now=T0 + 8 * DAY)["welcome"]
    assert result.arm(OVERALL, "a").model_dump() == {"customers": 1, "converted": 1}
    assert result.pending == 1
    assert tally(found, {}, now=T0 + 7 * DAY)["welcome"].pending == 1  # C1's window ends exactly now: counted


def test_all_variants_together_are_the_exposed_group_and_segments_are_kept_apart() -> None:
    found = first_arms(
        [
            event("exposure", "C1", T0, variant="a", segment="1"),
            event("exposure", "C2", T0, variant="b", segment="2"),
            event("exposure", "C3", T0, variant="b", segment=""),
            event("control", "C4", T0, segment="2"),
        ]
    )
    bought = {("welcome", "C1"): True, ("welcome", "C2"): True}
    result = tally(found, bought, now=T0 + 10 * DAY)["welcome"]
    assert result.exposed(OVERALL).model_dump() == {"customers": 3, "converted": 2}
    assert result.exposed("2").model_dump() == {"customers": 1, "converted": 1}
    assert set(result.scopes) == {OVERALL, "1", "2"}  # no segment: counted overall only
