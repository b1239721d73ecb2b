"""Per-topic measures beside the message counts: emotions, answers, hand-offs, CSAT and offers.

What is counted, per topic and UTC day, in the topics daily hash (``<day>:<metric>``):

**Message level**, on the message's day, when the message joins a topic (a waiting message
carries what it needs until then):

* ``emotion_read`` and ``emotion:<e>``: the message's entry in the conversation's emotion
  timeline (``actions/emotion/timeline.py``), found by Rasa's message id (else the first entry
  written within ``TIMELINE_MATCH_S`` after the message); ``<e>`` is its dominant Ekman emotion
  (``EKMAN_LABELS``). ``upset``: that emotion is anger, disgust, fear or sadness (``UPSET``).
* ``answers``, ``answer:<kind>`` and ``unanswered``: the kind of the assistant's answer that
  followed the message (``metadata.answer_kind`` of the bot event, ``actions/insights/messages.py``);
  ``unanswered`` is ``unknown`` (the assistant said it was not sure) or ``partial`` (only a quote).
  Such a message is also kept, masked, among the topic's newest gaps (``Topic.gaps``).

**Conversation level**: an outcome belongs to the conversation, and is credited once to every
topic the conversation wrote about (the topics of its messages placed in the same run, else
the topics whose recent-conversation lists hold it: the 200 newest per topic, 30 days), on the
outcome's day:

* ``handoffs``: a hand-off request (``action_request_handoff`` in the event stream); counted
  once per conversation and topic within a run.
* ``csat_count`` and ``csat_sum``: a rating from the ``csat`` stream (one per conversation a
  day at the source); the mean is the sum over the count.
* ``offers_shown``, ``offers_accepted``: ``exposure`` and ``accept`` entries of the offer
  events stream (an acceptance counts once per rule and conversation at the source).

The CSAT and offer streams are read from their own positions (``csat_cursor``, ``offers_cursor``
in the job's meta hash), written in one transaction with their counts. An outcome of a
conversation with no topic yet (its messages still waiting) is not credited.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from redis import Redis

from actions.emotion.labels import EKMAN_LABELS
from actions.insights.models import day_of
from actions.keys import Keys
from actions.redis_edge import members, store_call, text

UPSET = frozenset({"anger", "disgust", "fear", "sadness"})
UNANSWERED_KINDS = frozenset({"unknown", "partial"})
# A timeline entry without the message's id is the message's when written this soon after it.
TIMELINE_MATCH_S = 120.0
# Entries of the CSAT and offer streams read per call.
STREAM_PAGE = 5_000
CSAT_CURSOR = "csat_cursor"
OFFERS_CURSOR = "offers_cursor"

EMOTION_READ = "emotion_read"
UPSET_METRIC = "upset"
ANSWERS = "answers"
UNANSWERED = "unanswered"
HANDOFFS = "handoffs"
CSAT_COUNT = "csat_count"
CSAT_SUM = "csat_sum"
OFFERS_SHOWN = "offers_shown"
OFFERS_ACCEPTED = "offers_accepted"

Counts = dict[tuple[str, str], dict[str, int]]


@dataclass(frozen=True)
class PlacedMessage:
    """What a message-level measure needs of a message placed in a topic."""

    topic_id: str
    conversation_id: str
    timestamp: float
    message_id: str | None
    answer_kind: str | None


def emotion_metric(emotion: str) -> str:
    """The daily-hash metric counting messages whose dominant emotion is ``emotion``."""
    return f"emotion:{emotion}"


def answer_metric(kind: str) -> str:
    """The daily-hash metric counting messages answered with ``kind``."""
    return f"answer:{kind}"


def _add(counts: Counts, topic_id: str, day: str, metric: str, value: int = 1) -> None:
    place = counts.setdefault((topic_id, day), {})
    place[metric] = place.get(metric, 0) + value


def answer_counts(placed: Sequence[PlacedMessage]) -> Counts:
    """Answers per kind, and the unanswered ones, per topic and day of the question."""
    counts: Counts = {}
    for message in placed:
        if message.answer_kind is None:
            continue
        day = day_of(message.timestamp)
        _add(counts, message.topic_id, day, ANSWERS)
        _add(counts, message.topic_id, day, answer_metric(message.answer_kind))
        if message.answer_kind in UNANSWERED_KINDS:
            _add(counts, message.topic_id, day, UNANSWERED)
    return counts


@dataclass(frozen=True)
class TimelineMark:
    """The part of an emotion timeline entry the measures use."""

    message_id: str | None
    at: float
    dominant: str


def timeline_marks(raw: Iterable[bytes | str]) -> list[TimelineMark]:
    """Timeline entries (JSON ``TimelineEntry``) reduced to id, time and dominant emotion."""
    marks = []
    for item in raw:
        try:
            entry = cast(dict[str, Any], json.loads(item))
            marks.append(
                TimelineMark(entry.get("message_id"), float(entry["at"]), str(entry["reading"]["dominant"]))
            )
        except (ValueError, KeyError, TypeError):
            continue
    return marks


def matching_mark(marks: Sequence[TimelineMark], message: PlacedMessage) -> TimelineMark | None:
    """The timeline entry of ``message``: same message id, else the first written just after it."""
    if message.message_id is not None:
        for mark in marks:
            if mark.message_id == message.message_id:
                return mark
    for mark in marks:
        if (
            mark.message_id in (None, message.message_id)
            and 0 <= mark.at - message.timestamp <= TIMELINE_MATCH_S
        ):
            return mark
    return None


def emotion_counts(placed: Sequence[PlacedMessage], timelines: dict[str, list[TimelineMark]]) -> Counts:
    """Dominant emotions and upset messages per topic and day (``timelines``: conversation -> entries)."""
    counts: Counts = {}
    for message in placed:
        mark = matching_mark(timelines.get(message.conversation_id, []), message)
        if mark is None:
            continue
        emotion = mark.dominant if mark.dominant in EKMAN_LABELS else "neutral"
        day = day_of(message.timestamp)
        _add(counts, message.topic_id, day, EMOTION_READ)
        _add(counts, message.topic_id, day, emotion_metric(emotion))
        if emotion in UPSET:
            _add(counts, message.topic_id, day, UPSET_METRIC)
    return counts


def read_timelines(
    redis: Redis, keys: Keys, conversation_ids: Iterable[str]
) -> dict[str, list[TimelineMark]]:
    """The emotion timelines of these conversations, in one round trip."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return {}
    with store_call("read the emotion timelines", with_cause=True), redis.pipeline(transaction=False) as pipe:
        for conversation_id in ids:
            pipe.lrange(keys.emotion_timeline(conversation_id), 0, -1)
        replies = pipe.execute()
    return {cid: timeline_marks(reply) for cid, reply in zip(ids, replies, strict=True)}


class ConversationTopics:
    """Which topics a conversation wrote about: this run's placements, else the topics' recent lists."""

    def __init__(self, redis: Redis, keys: Keys, topic_ids: Iterable[str]) -> None:
        self.redis = redis
        self.keys = keys
        self.topic_ids = list(topic_ids)
        self._run: dict[str, set[str]] = {}
        self._stored: dict[str, set[str]] | None = None

    def add(self, placed: Iterable[PlacedMessage]) -> None:
        """Remember this run's placements."""
        for message in placed:
            self._run.setdefault(message.conversation_id, set()).add(message.topic_id)

    def of(self, conversation_id: str) -> set[str]:
        """The conversation's topics (empty if it has none yet)."""
        found = self._run.get(conversation_id)
        if found:
            return found
        return self._lists().get(conversation_id, set())

    def _lists(self) -> dict[str, set[str]]:
        if self._stored is None:
            with (
                store_call("read the topics' conversations", with_cause=True),
                self.redis.pipeline(False) as pipe,
            ):
                for topic_id in self.topic_ids:
                    pipe.zrange(self.keys.insights_topic_conversations(topic_id), 0, -1)
                replies = pipe.execute()
            self._stored = {}
            for topic_id, reply in zip(self.topic_ids, replies, strict=True):
                for conversation_id in members(reply):
                    self._stored.setdefault(conversation_id, set()).add(topic_id)
        return self._stored


def outcome_counts(outcomes: Iterable[tuple[str, float, str, int]], topics: ConversationTopics) -> Counts:
    """Conversation outcomes (conversation, time, metric, value) credited to each of its topics.

    A hand-off is credited once per conversation and topic (a customer asking twice in one run
    is one hand-off); ratings and offers are counted as their streams record them.
    """
    counts: Counts = {}
    handed_off: set[tuple[str, str]] = set()
    for conversation_id, at, metric, value in outcomes:
        for topic_id in sorted(topics.of(conversation_id)):
            if metric == HANDOFFS:
                if (conversation_id, topic_id) in handed_off:
                    continue
                handed_off.add((conversation_id, topic_id))
            _add(counts, topic_id, day_of(at), metric, value)
    return counts


def merge_counts(*parts: Counts) -> Counts:
    """Several measures' counts added together."""
    total: dict[tuple[str, str], Counter[str]] = {}
    for part in parts:
        for place, metrics in part.items():
            total.setdefault(place, Counter()).update(metrics)
    return {place: dict(counter) for place, counter in total.items()}


@dataclass
class StreamOutcomes:
    """Ratings and offer events read after the stored positions, and the new positions."""

    outcomes: list[tuple[str, float, str, int]]
    cursors: dict[str, str]


def read_outcomes(redis: Redis, keys: Keys, cursors: dict[str, str]) -> StreamOutcomes:
    """Ratings, offer exposures and acceptances after ``cursors`` (meta fields), to the streams' end."""
    result = StreamOutcomes([], dict(cursors))
    for stream, cursor_field in ((keys.csat, CSAT_CURSOR), (keys.offer_events, OFFERS_CURSOR)):
        after = cursors.get(cursor_field, "0-0")
        while True:
            with store_call("read the ratings and offer events", with_cause=True):
                page = cast(
                    list[tuple[Any, dict[Any, Any]]],
                    redis.xrange(stream, min=f"({after}", max="+", count=STREAM_PAGE) or [],
                )
            for raw_id, fields in page:
                after = text(raw_id)
                entry = {text(k): text(v) for k, v in fields.items()}
                outcome = _csat(entry) if cursor_field == CSAT_CURSOR else _offer(entry)
                if outcome is not None:
                    result.outcomes.append(outcome)
                    if outcome[2] == CSAT_SUM:
                        result.outcomes.append((outcome[0], outcome[1], CSAT_COUNT, 1))
            if len(page) < STREAM_PAGE:
                break
        result.cursors[cursor_field] = after
    return result


def _csat(entry: dict[str, str]) -> tuple[str, float, str, int] | None:
    try:
        score = int(entry["score"])
        return (entry["conversation_id"], float(entry["at"]), CSAT_SUM, score) if 1 <= score <= 5 else None
    except (KeyError, ValueError):
        return None


def _offer(entry: dict[str, str]) -> tuple[str, float, str, int] | None:
    metric = {"exposure": OFFERS_SHOWN, "accept": OFFERS_ACCEPTED}.get(entry.get("type", ""))
    try:
        return (entry["conversation"], float(entry["ts"]), metric, 1) if metric else None
    except (KeyError, ValueError):
        return None
