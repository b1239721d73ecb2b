"""The support lead's figures over a period: team totals, per day (or hour) and per agent.

Each measure counts in the bucket of its own moment: a handoff and its first reply by the
request, a takeover by its end, a re-contact by the close it follows, a rating by its time.
Records are read a little beyond the period (``LOOKBACK_S`` before, the re-contact window
after) so that a takeover claimed before the period, or a customer coming back after it,
is still seen.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict

from pydantic import BaseModel
from redis.asyncio import Redis

from actions.handoff.queue import Priority
from actions.keys import Keys
from web.marketing.offer_stats import rate
from web.marketing.support_stats import reason_groups
from web.marketing.timerange import TimeRange
from web.support import measures, sources
from web.support.measures import FirstReply, RatedConversation, Recontact, Takeover

# A takeover ending in the period may have been claimed up to a week before it.
LOOKBACK_S = 7 * 24 * 3600
PRIORITIES: tuple[Priority, ...] = ("urgent", "high", "normal", "low")


class Figures(BaseModel):
    """One row of figures: the team's over the period, one bucket's or one agent's. Times in seconds."""

    handoffs: int = 0
    replied: int = 0
    claimed_not_replied: int = 0
    not_claimed: int = 0
    first_reply_median_s: float | None = None
    first_reply_p90_s: float | None = None
    handled: int = 0
    handle_median_s: float | None = None
    handle_p90_s: float | None = None
    closed: int = 0
    recontacted: int = 0
    recontact_rate: float | None = None
    csat_person_count: int = 0
    csat_person_average: float | None = None
    csat_bot_count: int = 0
    csat_bot_average: float | None = None


class AgentFigures(Figures):
    """One agent's row: the replies they gave first, the takeovers they ended, the ratings after them."""

    agent: str


class Count(BaseModel):
    """How many handoffs had this reason (or priority)."""

    name: str
    count: int


class SupportReport(BaseModel):
    """What the support lead's page draws."""

    start: str
    end: str
    bucket: str
    buckets: list[str]
    team: Figures
    by_day: list[Figures]
    by_agent: list[AgentFigures]
    agents_shown: str
    by_reason: list[Count]
    by_priority: list[Count]
    unreadable_handoffs: int = 0


class _Rows:
    """Collects the raw values of each row before they are summed up into ``Figures``."""

    def __init__(self) -> None:
        self.requests: list[FirstReply] = []
        self.handled: list[Takeover] = []
        self.recontacts: list[Recontact] = []
        self.ratings: list[RatedConversation] = []

    def figures(self) -> Figures:
        waits = [r.seconds for r in self.requests if r.seconds is not None]
        handles = [t.seconds for t in self.handled]
        back = sum(1 for r in self.recontacts if r.came_back)
        person = [r.rating.score for r in self.ratings if r.agent is not None]
        bot = [r.rating.score for r in self.ratings if r.agent is None]
        return Figures(
            handoffs=len(self.requests),
            replied=len(waits),
            claimed_not_replied=sum(1 for r in self.requests if r.seconds is None and r.claimed),
            not_claimed=sum(1 for r in self.requests if r.seconds is None and not r.claimed),
            first_reply_median_s=measures.median(waits),
            first_reply_p90_s=measures.percentile_90(waits),
            handled=len(handles),
            handle_median_s=measures.median(handles),
            handle_p90_s=measures.percentile_90(handles),
            closed=len(self.recontacts),
            recontacted=back,
            recontact_rate=rate(back, len(self.recontacts)),
            csat_person_count=len(person),
            csat_person_average=measures.average(person),
            csat_bot_count=len(bot),
            csat_bot_average=measures.average(bot),
        )


def build_report(
    period: TimeRange,
    requests: list[sources.Handoff],
    events: list[sources.AuditEvent],
    scores: list[sources.Rating],
) -> SupportReport:
    """Every figure of the page from the records read around the period."""
    answered = measures.first_replies(requests, events)
    ended = measures.takeovers(events)
    back = measures.recontacts(ended, requests, events)
    after = measures.rated(scores, ended)
    team, days = _Rows(), [_Rows() for _ in period.bucket_starts()]
    agents: dict[str, _Rows] = defaultdict(_Rows)

    # TimeRange.bucket_of in plain numbers: it runs once per record.
    start, end = period.start.timestamp(), period.end.timestamp()
    origin, width = period.first_bucket.timestamp(), period.step.total_seconds()

    def rows_of(moment: float, agent: str | None) -> list[_Rows]:
        """The team's, the bucket's and the agent's rows; none when the moment lies outside the period."""
        if not start <= moment < end:
            return []
        index = min(int((moment - origin) // width), len(days) - 1)
        return [team, days[index], *([agents[agent]] if agent else [])]

    for reply in answered:
        for rows in rows_of(reply.handoff.requested_at, reply.agent):
            rows.requests.append(reply)
    for takeover in ended:
        for rows in rows_of(takeover.ended_at, takeover.agent):
            rows.handled.append(takeover)
    for close in back:
        for rows in rows_of(close.takeover.ended_at, close.takeover.agent):
            rows.recontacts.append(close)
    for rating in after:
        for rows in rows_of(rating.rating.at, rating.agent):
            rows.ratings.append(rating)
    reasons: Counter[str] = Counter()
    priorities: Counter[str] = Counter()
    for reply in team.requests:
        reasons.update(reason_groups(reply.handoff.reason))
        priorities[reply.handoff.priority] += 1
    return SupportReport(
        **period.chart_fields(),
        team=team.figures(),
        by_day=[day.figures() for day in days],
        by_agent=[
            AgentFigures(agent=name, **rows.figures().model_dump()) for name, rows in sorted(agents.items())
        ],
        agents_shown="all",
        by_reason=[Count(name=n, count=c) for n, c in sorted(reasons.items(), key=lambda i: (-i[1], i[0]))],
        by_priority=[Count(name=p, count=priorities[p]) for p in PRIORITIES],
    )


async def support_report(redis: Redis, keys: Keys, period: TimeRange) -> SupportReport:
    """Read the records around the period and build the report.

    Raises:
        StoreUnavailable: Redis did not answer.

    """
    start_ms = period.start_ms - LOOKBACK_S * 1000
    end_ms = period.end_ms + measures.RECONTACT_WINDOW_S * 1000
    # Concurrently: while Redis runs one read, the app parses another's reply.
    (requests, unreadable), events, scores = await asyncio.gather(
        sources.handoffs(redis, keys),
        sources.audit_events(redis, keys, start_ms, end_ms),
        sources.ratings(redis, keys, period.start_ms, period.end_ms),
    )
    report = build_report(period, requests, events, scores)
    report.unreadable_handoffs = unreadable
    return report
