"""What the topics pages show, read through ``TopicBoard``: 30-day series, emerging evidence, bar geometry.

Everything here is plain data for the templates (autoescaped); nothing is rendered as HTML in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from actions.emotion.labels import EKMAN_LABELS
from actions.insights.measures import (
    ANSWERS,
    CSAT_COUNT,
    CSAT_SUM,
    EMOTION_READ,
    HANDOFFS,
    OFFERS_ACCEPTED,
    OFFERS_SHOWN,
    UNANSWERED,
    UPSET,
    UPSET_METRIC,
    answer_metric,
    emotion_metric,
)
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


# Ekman emotions in the order the mix is drawn: the upset ones first, neutral last.
EMOTION_ORDER = ("anger", "disgust", "fear", "sadness", "surprise", "joy", "neutral")
assert set(EMOTION_ORDER) == set(EKMAN_LABELS)
MEASURE_METRICS = (
    EMOTION_READ,
    UPSET_METRIC,
    *(emotion_metric(e) for e in EMOTION_ORDER),
    ANSWERS,
    UNANSWERED,
    answer_metric("unknown"),
    answer_metric("partial"),
    HANDOFFS,
    CSAT_COUNT,
    CSAT_SUM,
    OFFERS_SHOWN,
    OFFERS_ACCEPTED,
)


@dataclass(frozen=True)
class EmotionShare:
    """One emotion's share of a topic's messages with an emotion reading, and its segment of the bar."""

    emotion: str
    count: int
    share: float
    upset: bool
    start: float  # where its segment of the 0-100 bar starts


@dataclass(frozen=True)
class TopicMeasures:
    """A topic's measures summed over the days shown (``actions/insights/measures.py`` says what counts)."""

    emotions_read: int
    emotions: list[EmotionShare]
    upset: int
    answers: int
    unanswered: int
    unknown: int
    partial: int
    handoffs: int
    ratings: int
    rating_sum: int
    offers_shown: int
    offers_accepted: int

    @property
    def upset_share(self) -> float | None:
        """Share of the messages with an emotion reading whose emotion is anger, disgust, fear or sadness."""
        return self.upset / self.emotions_read if self.emotions_read else None

    @property
    def unanswered_share(self) -> float | None:
        """Share of the answers that were "not sure" or only a partial quote."""
        return self.unanswered / self.answers if self.answers else None

    @property
    def csat(self) -> float | None:
        """Mean rating (1-5) of the topic's rated conversations."""
        return self.rating_sum / self.ratings if self.ratings else None

    @property
    def acceptance(self) -> float | None:
        """Offers accepted per offer shown."""
        return self.offers_accepted / self.offers_shown if self.offers_shown else None

    def handoff_rate(self, conversations: int) -> float | None:
        """Hand-offs per conversation (conversations counted per day)."""
        return min(1.0, self.handoffs / conversations) if conversations else None

    @property
    def emotion_label(self) -> str:
        """The mix in words, for screen readers (the table beside it has every figure)."""
        if not self.emotions_read:
            return "No emotion readings"
        shown = ", ".join(f"{e.emotion} {e.share:.0%}" for e in self.emotions if e.count)
        return f"Emotions of {self.emotions_read} messages: {shown}"


def topic_measures(totals: dict[str, int]) -> TopicMeasures:
    """The measures from ``totals`` (metric -> count over the days shown)."""

    def total(metric: str) -> int:
        return totals.get(metric, 0)

    read = total(EMOTION_READ)
    emotions, start = [], 0.0
    for emotion in EMOTION_ORDER:
        count = total(emotion_metric(emotion))
        share = count / read if read else 0.0
        emotions.append(EmotionShare(emotion, count, share, emotion in UPSET, start * 100))
        start += share
    return TopicMeasures(
        emotions_read=read,
        emotions=emotions,
        upset=total(UPSET_METRIC),
        answers=total(ANSWERS),
        unanswered=total(UNANSWERED),
        unknown=total(answer_metric("unknown")),
        partial=total(answer_metric("partial")),
        handoffs=total(HANDOFFS),
        ratings=total(CSAT_COUNT),
        rating_sum=total(CSAT_SUM),
        offers_shown=total(OFFERS_SHOWN),
        offers_accepted=total(OFFERS_ACCEPTED),
    )


@dataclass(frozen=True)
class TopicRow:
    """A topic with its last ``TREND_DAYS`` days and its emerging evidence in words (None: not emerging)."""

    view: TopicView
    days: list[tuple[str, int, int]]  # (day, messages, conversations), oldest first
    messages: int
    conversations: int
    emerging: str | None
    bars: list[Bar]
    measures: TopicMeasures

    @property
    def handoff_rate(self) -> float | None:
        """Hand-offs per conversation over the days shown."""
        return self.measures.handoff_rate(self.conversations)

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
    subject = {"conversations": "conversations", "messages": "messages"}.get(
        flag.measure, "upset customers' messages"
    )
    p_value = "p < 0.001" if flag.p_value < 0.001 else f"p = {flag.p_value:.3f}"
    return (
        f"{flag.count} {subject} on {flag.day}: {flag.ratio:.1f} times the {flag.expected:.1f} expected "
        f"from its previous {flag.baseline_days} days with traffic ({flag.baseline_count} then, "
        f"scaled to that day's traffic); {p_value}"
    )


SERIES = ("messages", "conversations")


async def topic_row(
    board: TopicBoard, view: TopicView, days: list[str], flags: list[EmergingFlag]
) -> TopicRow:
    """One topic's row: its daily series over ``days`` and the flags of it or of a topic merged into it."""
    series, totals = await board.window(view, days, SERIES, MEASURE_METRICS)
    return _row(view, days, flags, series, totals)


def _row(
    view: TopicView,
    days: list[str],
    flags: list[EmergingFlag],
    series: dict[str, dict[str, int]],
    totals: dict[str, int],
) -> TopicRow:
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
        measures=topic_measures(totals),
    )


async def topic_rows(board: TopicBoard, now: datetime) -> list[TopicRow]:
    """Every topic, emerging ones first, then by messages over the last ``TREND_DAYS`` days."""
    days = last_days(now.date())
    flags = await board.emerging()
    views = await board.topics()
    windows = await board.windows(views, days, SERIES, MEASURE_METRICS)
    rows = [_row(view, days, flags, *window) for view, window in zip(views, windows, strict=True)]
    return sorted(rows, key=lambda row: (row.emerging is None, -row.messages, -row.view.size, row.view.id))
