"""The report puts each measure in the period, its day and its agent."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.unit.web.support.records import DAY, T0, claim, close, hand_back, handoff, rating, reply
from web.marketing.timerange import parse_range
from web.support.report import build_report

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PERIOD = parse_range({"from": "2026-11-20", "to": "2026-11-21"}, NOW)


def test_figures_per_team_day_and_agent() -> None:
    requests = [
        handoff("a", T0 + 100, reason="anger rising over 3 turns; very negative message (sentiment -0.9)",
                priority="high"),
        handoff("b", T0 + DAY + 100, reason="customer accepted the offer of a person"),
        handoff("c", T0 + DAY + 200, reason="anger rising over 4 turns", priority="urgent"),
        handoff("before", T0 - 100),  # the day before the period
        handoff("other-chat", T0 + 9 * DAY, customer="conversation:before"),  # 9 days after: no re-contact
    ]  # fmt: skip
    events = [
        claim("before", "kim", T0 - 50),
        close("before", "kim", T0 + 50),  # ended in the period: counted as kim's
        claim("a", "sam", T0 + 160),
        reply("a", "sam", T0 + 220),
        close("a", "sam", T0 + 1300),
        claim("b", "kim", T0 + DAY + 130),
        reply("b", "kim", T0 + DAY + 400),
        hand_back("b", "kim", T0 + DAY + 700),
        claim("c", "sam", T0 + DAY + 300),  # claimed, never replied
        claim("a", "kim", T0 + 2 * DAY),  # "a" taken over again the day after the period: a re-contact
    ]
    scores = [rating("a", 5, T0 + 1400), rating("z", 3, T0 + 500), rating("b", 4, T0 + DAY + 800)]
    report = build_report(PERIOD, requests, events, scores)

    assert report.buckets == ["2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"]
    team = report.team
    assert (team.handoffs, team.replied, team.claimed_not_replied, team.not_claimed) == (3, 2, 1, 0)
    assert (team.first_reply_median_s, team.first_reply_p90_s) == (210.0, 300.0)
    assert (team.handled, team.handle_median_s) == (3, 570.0)
    assert (team.closed, team.recontacted, team.recontact_rate) == (2, 1, 0.5)
    assert (team.csat_person_count, team.csat_person_average) == (2, 4.5)
    assert (team.csat_bot_count, team.csat_bot_average) == (1, 3.0)

    day1, day2 = report.by_day
    assert (day1.handoffs, day1.handled, day1.closed, day1.recontacted, day1.csat_bot_count) == (
        1,
        2,
        2,
        1,
        1,
    )
    assert (day2.handoffs, day2.replied, day2.first_reply_median_s, day2.handled) == (2, 1, 300.0, 1)

    agents = {row.agent: row for row in report.by_agent}
    assert set(agents) == {"sam", "kim"}
    assert (
        agents["sam"].replied,
        agents["sam"].handled,
        agents["sam"].closed,
        agents["sam"].recontacted,
    ) == (
        1,
        1,
        1,
        1,
    )
    assert (agents["sam"].csat_person_count, agents["kim"].csat_person_average) == (1, 4.0)
    assert (agents["kim"].handled, agents["kim"].handle_median_s, agents["kim"].closed) == (2, 335.0, 1)

    assert [(c.name, c.count) for c in report.by_reason] == [
        ("anger rising over N turns", 2),
        ("customer accepted the offer of a person", 1),
        ("very negative message", 1),
    ]
    assert [(c.name, c.count) for c in report.by_priority] == [
        ("urgent", 1),
        ("high", 1),
        ("normal", 1),
        ("low", 0),
    ]


def test_an_empty_period_has_no_figures_but_all_its_days() -> None:
    report = build_report(PERIOD, [], [], [])
    assert len(report.by_day) == 2 and report.by_agent == []
    assert report.team.first_reply_median_s is None and report.team.recontact_rate is None
