"""What the topics pages show, read through ``TopicBoard``: 30-day series, emerging evidence, bar geometry.

Everything here is plain data for the templates (autoescaped); nothing is rendered as HTML in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from actions.insights.models import EmergingFlag
from actions.insights.overrides import TopicBoard, TopicView

TREND_DAYS = 30
# The bar chart's drawing box (SVG user units); the stylesheet scales it to the column's width.
CHART_WIDTH = 300
CHART_HEIGHT = 60
BAR_GAP = 2


@dataclass(frozen=True)
class Bar:
    """One day's bar in a trend chart, in the chart's own units."""

    day: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class TopicRow:
    """A topic with its last ``TREND_DAYS`` days and its emerging evidence in words (None: not emerging)."""

    view: TopicView
    days: list[tuple[str, int, int]]  # (day, messages, conversations), oldest first
    messages: int
    conversations: int
    emerging: str | None
    bars: list[Bar]

    @property
    def chart_label(self) -> str:
        """What the chart shows, for screen readers (the table beside it has every figure)."""
        peak = max((count for _, count, _ in self.days), default=0)
        return (
            f"Messages per day over the last {TREND_DAYS} days: {self.messages} in all, "
            f"at most {peak} on one day"
        )


def last_days(today: date, count: int = TREND_DAYS) -> list[str]:
    """The ``count`` UTC days ending with ``today``, oldest first, as ``YYYY-MM-DD``."""
    return [(today - timedelta(days=back)).isoformat() for back in range(count - 1, -1, -1)]


def bars(series: list[tuple[str, int]]) -> list[Bar]:
    """Bars for ``series`` (day, count), scaled to the tallest; a day with no messages has none."""
    peak = max((count for _, count in series), default=0)
    if not series or peak == 0:
        return []
    step = CHART_WIDTH / len(series)
    drawn = []
    for n, (day, count) in enumerate(series):
        if count:
            height = max(1.0, CHART_HEIGHT * count / peak)
            drawn.append(Bar(day, count, n * step, CHART_HEIGHT - height, max(step - BAR_GAP, 1.0), height))
    return drawn


def evidence(flag: EmergingFlag) -> str:
    """An emerging flag's evidence in words."""
    subject = "messages" if flag.measure == "messages" else "upset customers' messages"
    p_value = "p < 0.001" if flag.p_value < 0.001 else f"p = {flag.p_value:.3f}"
    return (
        f"{flag.count} {subject} on {flag.day}: {flag.ratio:.1f} times the {flag.expected:.1f} expected "
        f"from its previous {flag.baseline_days} days with traffic ({flag.baseline_count} then, "
        f"scaled to that day's traffic); {p_value}"
    )


async def topic_row(
    board: TopicBoard, view: TopicView, days: list[str], flags: list[EmergingFlag]
) -> TopicRow:
    """One topic's row: its daily series over ``days`` and the flags of it or of a topic merged into it."""
    series = await board.all_series(view, ("messages", "conversations"))
    messages, conversations = series["messages"], series["conversations"]
    table = [(day, messages.get(day, 0), conversations.get(day, 0)) for day in days]
    own = [flag for flag in flags if flag.topic_id in (view.id, *view.merged)]
    return TopicRow(
        view=view,
        days=table,
        messages=sum(count for _, count, _ in table),
        conversations=sum(count for _, _, count in table),
        emerging="; ".join(evidence(flag) for flag in own) or None,
        bars=bars([(day, count) for day, count, _ in table]),
    )


async def topic_rows(board: TopicBoard, now: datetime) -> list[TopicRow]:
    """Every topic, emerging ones first, then by messages over the last ``TREND_DAYS`` days."""
    days = last_days(now.date())
    flags = await board.emerging()
    rows = [await topic_row(board, view, days, flags) for view in await board.topics()]
    return sorted(rows, key=lambda row: (row.emerging is None, -row.messages, -row.view.size, row.view.id))
