"""The knowledge-gaps page of the marketer console: what customers asked that the help centre does not answer.

    GET  /marketing/gaps     per topic: questions answered "not sure" or only with a partial quote;
                             then those not in a topic yet (asked too rarely to make one)

The topics job notes the kind of answer that followed each customer message (the bot
event's ``metadata.answer_kind``) and keeps, per topic, the newest unanswered questions,
masked (``actions/insights/measures.py``). Grouping the gaps by the topic of their question
tells support which help-centre articles are missing: the topics with the most unanswered
questions over the last ``TREND_DAYS`` days come first, each with its newest questions.
Same role as the topics pages (marketer); conversations are linked only for the roles that
may read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from actions.insights.measures import ANSWERS, answer_metric
from actions.insights.models import TopicExample
from actions.insights.overrides import TopicBoard, TopicView
from web.accounts.guards import CONVERSATION_READERS, has_role
from web.marketing.topics import CONVERSATION_LINK
from web.marketing.topics_view import TREND_DAYS, last_days
from web.services import services_of

UNKNOWN = answer_metric("unknown")
PARTIAL = answer_metric("partial")


@dataclass(frozen=True)
class GapExample:
    """One unanswered question as shown: masked text, when (UTC) and its conversation."""

    text: str
    at: str
    conversation_id: str


@dataclass(frozen=True)
class GapRow:
    """A topic's unanswered questions over the days shown, and its newest ones (masked)."""

    view: TopicView
    unknown: int
    partial: int
    answers: int

    @property
    def unanswered(self) -> int:
        """Questions answered "not sure" or only in part."""
        return self.unknown + self.partial

    @property
    def examples(self) -> list[GapExample]:
        """The newest unanswered questions kept for the topic, newest first."""
        return [_example(gap) for gap in self.view.gaps]

    @property
    def share(self) -> float | None:
        """Their share of the topic's answered questions."""
        return self.unanswered / self.answers if self.answers else None


def _example(gap: TopicExample) -> GapExample:
    return GapExample(
        gap.text, datetime.fromtimestamp(gap.timestamp, UTC).strftime("%Y-%m-%d %H:%M"), gap.conversation_id
    )


async def gap_rows(board: TopicBoard, now: datetime) -> list[GapRow]:
    """Topics with unanswered questions over the last ``TREND_DAYS`` days (or kept examples), most first."""
    days = last_days(now.date())
    rows = []
    views = await board.topics()
    for view, (_, totals) in zip(
        views, await board.windows(views, days, (), (UNKNOWN, PARTIAL, ANSWERS)), strict=True
    ):
        row = GapRow(view=view, unknown=totals[UNKNOWN], partial=totals[PARTIAL], answers=totals[ANSWERS])
        if row.unanswered or view.gaps:
            rows.append(row)
    newest = {row.view.id: max((g.timestamp for g in row.view.gaps), default=0.0) for row in rows}
    return sorted(rows, key=lambda row: (-row.unanswered, -newest[row.view.id], row.view.id))


async def gaps(request: Request) -> Response:
    """GET /marketing/gaps: the knowledge gaps, grouped by topic."""
    services = services_of(request)
    rows = await gap_rows(services.topics, datetime.now(UTC))
    waiting = await services.topics.waiting_gaps()
    return services.pages.console(
        request,
        "marketing/gaps.html",
        200,
        rows=rows,
        waiting=waiting,
        waiting_examples=[_example(e) for e in waiting.newest],
        trend_days=TREND_DAYS,
        may_read_conversations=has_role(request.state.user, *CONVERSATION_READERS),
        conversation_link=CONVERSATION_LINK,
    )
