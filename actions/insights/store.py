"""The topics job's side of Redis: load what the last run left, write one run in one transaction.

Key names and lifetimes are in ``actions/keys.py`` (``insights_*``). The job is the only
writer of topic records, centroids, counters, the waiting messages and its stream
position; the marketer's names and merges are written by ``overrides.py`` and only read
here, so a rename made while a run is in progress is never overwritten. A run's writes
(topics, centroids, counters, waiting messages and the new stream position) go in one
MULTI/EXEC: a run that fails half-way leaves the previous state, and the next run reads
the same messages again rather than counting any twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

import numpy as np
from redis import Redis
from redis.client import Pipeline

from actions.errors import TopicsRunBusy
from actions.insights.measures import UNANSWERED_KINDS
from actions.insights.models import EmergingFlag, PendingMessage, Topic, TopicExample, WaitingGaps
from actions.insights.topics import TopicCentroid
from actions.keys import (
    INSIGHTS_DAILY_TTL_S,
    INSIGHTS_DAY_CONVERSATIONS_TTL_S,
    INSIGHTS_EMERGING_TTL_S,
    INSIGHTS_LOCK_TTL_S,
    INSIGHTS_PENDING_TTL_S,
    INSIGHTS_TOPIC_CONVERSATIONS_MAX,
    INSIGHTS_TOPIC_CONVERSATIONS_TTL_S,
    Keys,
)
from actions.redis_edge import members, optional_text, parse_stored, store_call, text

MESSAGES = "messages"
CONVERSATIONS = "conversations"


def daily_field(day: str, metric: str) -> str:
    """The field of a topic's daily hash holding ``metric`` on ``day``."""
    return f"{day}:{metric}"


# The newest unanswered questions not in a topic yet, shown on the knowledge-gaps page.
WAITING_GAPS_KEPT = 20


@dataclass
class StoredState:
    """Everything a run starts from."""

    topics: dict[str, Topic]
    centroids: list[TopicCentroid]
    pending: list[PendingMessage]
    cursor: str
    names: dict[str, str]
    merges: dict[str, str]


@dataclass
class RunWrite:
    """Everything one run (or one chunk of a run) writes."""

    topics: list[Topic]
    vector_sums: dict[str, np.ndarray]
    counts: dict[tuple[str, str], dict[str, int]]  # (topic id, day) -> metric -> increment
    conversations: dict[tuple[str, str], set[str]]  # (topic id, day) -> conversation ids
    latest: dict[str, dict[str, float]]  # topic id -> conversation id -> latest message time
    pending: list[PendingMessage]
    cursor: str
    created: dict[str, float] = field(default_factory=dict)  # new topic id -> creation time (s)
    meta: dict[str, str] = field(default_factory=dict)


class TopicStore:
    """Synchronous persistence for the offline topics job."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    def load(self) -> StoredState:
        """Topics, centroids (with the marketer's merges), waiting messages and the stream position."""
        keys = self.keys
        with store_call("read the topics", with_cause=True):
            ids = members(self.redis.zrange(keys.insights_topics, 0, -1))
            raw_topics = self.redis.mget([keys.insights_topic(i) for i in ids]) if ids else []
            vectors = self.redis.hgetall(keys.insights_topic_vectors)
            merges = {text(k): text(v) for k, v in self.redis.hgetall(keys.insights_topic_merges).items()}
            names = {text(k): text(v) for k, v in self.redis.hgetall(keys.insights_topic_names).items()}
            raw_pending = self.redis.hvals(keys.insights_pending)
            cursor = optional_text(self.redis.get(keys.insights_cursor)) or "0-0"
        topics = {
            i: parse_stored(Topic, raw, keys.insights_topic(i))
            for i, raw in zip(ids, raw_topics, strict=True)
            if raw is not None
        }
        sums = {
            text(k): np.frombuffer(cast(bytes, v), dtype=np.float32).astype(np.float64)
            for k, v in vectors.items()
        }
        centroids = [TopicCentroid(i, sums[i], topic.size) for i, topic in topics.items() if i in sums]
        pending = [parse_stored(PendingMessage, raw, keys.insights_pending) for raw in raw_pending]
        return StoredState(topics, centroids, pending, cursor, names, merges)

    def allocate_ids(self, count: int) -> list[str]:
        """``count`` new topic ids ``t-<n>`` from the counter (never reused, gaps possible)."""
        if count <= 0:
            return []
        with store_call("allocate topic ids", with_cause=True):
            last = int(self.redis.incrby(self.keys.insights_topic_seq, count))
        return [f"t-{n}" for n in range(last - count + 1, last + 1)]

    def save(self, run: RunWrite) -> None:
        """Write one run atomically, then refresh its days' distinct-conversation counts."""
        with store_call("save the topics run", with_cause=True):
            with self.redis.pipeline(transaction=True) as pipe:
                self._write(pipe, run)
                pipe.execute()
            with self.redis.pipeline(transaction=False) as pipe:
                touched = list(run.conversations)
                for topic_id, day in touched:
                    pipe.pfcount(self.keys.insights_day_conversations(topic_id, day))
                counted = pipe.execute()
            with self.redis.pipeline(transaction=False) as pipe:
                for (topic_id, day), distinct in zip(touched, counted, strict=True):
                    pipe.hset(
                        self.keys.insights_topic_daily(topic_id), daily_field(day, CONVERSATIONS), distinct
                    )
                pipe.execute()

    def _write(self, pipe: Pipeline, run: RunWrite) -> None:
        keys = self.keys
        for topic in run.topics:
            pipe.set(keys.insights_topic(topic.id), topic.model_dump_json())
        for topic_id, created in run.created.items():
            pipe.zadd(keys.insights_topics, {topic_id: int(created * 1000)})
        if run.vector_sums:
            pipe.hset(
                keys.insights_topic_vectors,
                mapping={t: np.asarray(v, dtype=np.float32).tobytes() for t, v in run.vector_sums.items()},
            )
        for (topic_id, day), metrics in run.counts.items():
            daily = keys.insights_topic_daily(topic_id)
            for metric, increment in metrics.items():
                pipe.hincrby(daily, daily_field(day, metric), increment)
            pipe.expire(daily, INSIGHTS_DAILY_TTL_S)
        for (topic_id, day), conversation_ids in run.conversations.items():
            hll = keys.insights_day_conversations(topic_id, day)
            pipe.pfadd(hll, *conversation_ids)
            pipe.expire(hll, INSIGHTS_DAY_CONVERSATIONS_TTL_S)
        for topic_id, latest in run.latest.items():
            recent = keys.insights_topic_conversations(topic_id)
            pipe.zadd(recent, latest, gt=True)
            pipe.zremrangebyrank(recent, 0, -INSIGHTS_TOPIC_CONVERSATIONS_MAX - 1)
            pipe.expire(recent, INSIGHTS_TOPIC_CONVERSATIONS_TTL_S)
        pipe.delete(keys.insights_pending)
        if run.pending:
            pipe.hset(keys.insights_pending, mapping={p.key: p.model_dump_json() for p in run.pending})
            pipe.expire(keys.insights_pending, INSIGHTS_PENDING_TTL_S)
        # Read by the knowledge-gaps page, which must not read every pending embedding to find them.
        pipe.set(
            keys.insights_waiting_gaps, waiting_gaps(run.pending).model_dump_json(), ex=INSIGHTS_PENDING_TTL_S
        )
        pipe.set(keys.insights_cursor, run.cursor)
        if run.meta:
            pipe.hset(keys.insights_meta, mapping={name: value for name, value in run.meta.items()})

    def meta(self) -> dict[str, str]:
        """The job's meta hash (last run, stream positions of the ratings and offers read)."""
        with store_call("read the topics job's meta", with_cause=True):
            return {text(k): text(v) for k, v in self.redis.hgetall(self.keys.insights_meta).items()}

    def save_outcomes(
        self,
        counts: Mapping[tuple[str, str], Mapping[str, int]],
        cursors: Mapping[str, str],
        events_cursor: str | None = None,
    ) -> None:
        """Conversation outcomes' counts and the stream positions they were read to, in one transaction.

        ``cursors`` are meta fields (the ratings' and offers' positions); ``events_cursor`` the event
        stream's, when the outcomes came from entries that held no customer message.
        """
        with store_call("save the topics' outcomes", with_cause=True):
            with self.redis.pipeline(transaction=True) as pipe:
                for (topic_id, day), metrics in counts.items():
                    daily = self.keys.insights_topic_daily(topic_id)
                    for metric, increment in metrics.items():
                        pipe.hincrby(daily, daily_field(day, metric), increment)
                    pipe.expire(daily, INSIGHTS_DAILY_TTL_S)
                if cursors:
                    pipe.hset(
                        self.keys.insights_meta, mapping={name: value for name, value in cursors.items()}
                    )
                if events_cursor is not None:
                    pipe.set(self.keys.insights_cursor, events_cursor)
                pipe.execute()

    def save_cursor(self, cursor: str) -> None:
        """Move the stream position past entries that held no customer message."""
        with store_call("save the topics stream position", with_cause=True):
            self.redis.set(self.keys.insights_cursor, cursor)

    def daily_messages(self, topic_ids: Iterable[str]) -> dict[str, dict[str, int]]:
        """Messages per day of each topic (the topic's own counters, merges not folded in)."""
        ids = list(topic_ids)
        with store_call("read the topics' daily counts", with_cause=True), self.redis.pipeline(False) as pipe:
            for topic_id in ids:
                pipe.hgetall(self.keys.insights_topic_daily(topic_id))
            replies = pipe.execute()
        return {
            topic_id: metric_series(reply, MESSAGES) for topic_id, reply in zip(ids, replies, strict=True)
        }

    def daily_metrics(
        self, topic_ids: Iterable[str], metrics: tuple[str, ...]
    ) -> dict[str, dict[str, dict[str, int]]]:
        """Each of ``metrics`` per day of each topic (own counters, merges not folded in)."""
        ids = list(topic_ids)
        with store_call("read the topics' daily counts", with_cause=True), self.redis.pipeline(False) as pipe:
            for topic_id in ids:
                pipe.hgetall(self.keys.insights_topic_daily(topic_id))
            replies = pipe.execute()
        return {
            topic_id: {metric: metric_series(reply, metric) for metric in metrics}
            for topic_id, reply in zip(ids, replies, strict=True)
        }

    def trim_once_a_day(self, topic_ids: Iterable[str], today: str) -> None:
        """On a run's first chunk of a new day, drop daily fields older than ``INSIGHTS_DAILY_TTL_S``."""
        oldest_kept = (date.fromisoformat(today) - timedelta(seconds=INSIGHTS_DAILY_TTL_S)).isoformat()
        with store_call("trim the topics' daily counts", with_cause=True):
            if optional_text(self.redis.hget(self.keys.insights_meta, "trimmed_on")) == today:
                return
            for topic_id in topic_ids:
                key = self.keys.insights_topic_daily(topic_id)
                old = [f for f in map(text, self.redis.hkeys(key)) if f.split(":", 1)[0] < oldest_kept]
                if old:
                    self.redis.hdel(key, *old)
            self.redis.hset(self.keys.insights_meta, "trimmed_on", today)

    def save_emerging(self, flags: list[EmergingFlag]) -> None:
        """Replace the emerging-topic flags with this run's."""
        body = "[" + ",".join(flag.model_dump_json() for flag in flags) + "]"
        with store_call("save the emerging topics", with_cause=True):
            self.redis.set(self.keys.insights_emerging, body, ex=INSIGHTS_EMERGING_TTL_S)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the one-run-at-a-time lock; ``TopicsRunBusy`` if another run holds it."""
        token = f"{time.time():.6f}"
        with store_call("take the topics lock", with_cause=True):
            taken = self.redis.set(self.keys.insights_lock, token, nx=True, ex=INSIGHTS_LOCK_TTL_S)
        if not taken:
            raise TopicsRunBusy(f"another topics run holds {self.keys.insights_lock}")
        try:
            yield
        finally:
            with store_call("release the topics lock", with_cause=True):
                if optional_text(self.redis.get(self.keys.insights_lock)) == token:
                    self.redis.delete(self.keys.insights_lock)


def waiting_gaps(pending: Iterable[PendingMessage], kept: int = WAITING_GAPS_KEPT) -> WaitingGaps:
    """The unanswered questions among ``pending``: counts by answer kind and the newest ``kept``."""
    unanswered = [p for p in pending if p.answer_kind in UNANSWERED_KINDS]
    newest = sorted(unanswered, key=lambda p: -p.timestamp)[:kept]
    return WaitingGaps(
        unknown=sum(p.answer_kind == "unknown" for p in unanswered),
        partial=sum(p.answer_kind == "partial" for p in unanswered),
        newest=[
            TopicExample(
                text=p.text, conversation_id=p.conversation_id, timestamp=p.timestamp, similarity=0.0
            )
            for p in newest
        ],
    )


def metric_series(reply: Mapping[bytes | str, bytes | str], metric: str) -> dict[str, int]:
    """Day -> value of ``metric`` from a topic's daily hash."""
    series: dict[str, int] = {}
    suffix = f":{metric}"
    for raw_field, raw_value in reply.items():
        name = text(raw_field)
        if name.endswith(suffix):
            series[name[: -len(suffix)]] = int(text(raw_value))
    return series
