"""One topics run: new customer messages read, masked, embedded, placed in topics, named and counted.

``python -m jobs.topics run`` makes runs (once, or every N seconds with the encoder loaded
once); the console reads what they store through ``actions/insights/overrides.py``.

A run reads the event stream from where the previous one stopped, in chunks of at most
``chunk`` messages; each chunk is placed (``TopicModel.place``) together with the
messages still waiting from earlier runs and written in one transaction with the new
stream position. After the last chunk, every topic's volume today is tested for a rise
(``actions/insights/emerging.py``) and the flags stored.

Per topic and day the run counts messages and distinct conversations, and with them, in the
same transaction, the measures of ``actions/insights/measures.py``: the placed messages'
emotions and the kinds of the answers that followed them, and the hand-offs requested in the
entries read. After the last chunk, the ratings and offer events recorded since the last run
are credited to their conversations' topics (one more transaction, with those streams'
positions). A ``MetricSource`` in the options adds further counts to each chunk's write.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
from redis import Redis

from actions.insights.emerging import EmergingRule, emerging_topics, upset_topics
from actions.insights.masking import Masker
from actions.insights.measures import (
    EMOTION_READ,
    HANDOFFS,
    UPSET_METRIC,
    ConversationTopics,
    PlacedMessage,
    answer_counts,
    emotion_counts,
    merge_counts,
    outcome_counts,
    read_outcomes,
    read_timelines,
)
from actions.insights.messages import StreamBatch, read_messages
from actions.insights.models import EmergingFlag, PendingMessage, day_of
from actions.insights.naming import words
from actions.insights.overrides import root_of
from actions.insights.store import CONVERSATIONS, StoredState, TopicStore
from actions.insights.topics import PlacementOptions, TopicModel
from actions.keys import INSIGHTS_PENDING_MAX, INSIGHTS_PENDING_TTL_S, Keys
from actions.knowledge.embedding import DIMENSION
from jobs.topic_updates import Item, RunAccumulator

# Messages embedded and placed at once: 10,000 take ~30-60 s to embed on 2 cores.
DEFAULT_CHUNK = 10_000
METHOD = "MiniLM embeddings; Ward's tree cut at the lowest vMF-mixture BIC; join at cosine 0.6"


class Encoder(Protocol):
    """What a run needs of the sentence encoder (``actions.knowledge.embedding.SentenceEncoder``)."""

    def encode(self, texts: Sequence[str], batch_size: int = ...) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        ...


@dataclass(frozen=True)
class AssignedMessage:
    """A message placed in a topic this run: what a ``MetricSource`` joins on."""

    topic_id: str
    conversation_id: str
    timestamp: float
    day: str
    intent: str | None
    message_id: str | None = None
    answer_kind: str | None = None


class MetricSource(Protocol):
    """A per-topic, per-day measure computed from the run's placed messages (the seam for later joins)."""

    def counts(self, assigned: Sequence[AssignedMessage]) -> dict[tuple[str, str], dict[str, int]]:
        """(topic id, day) -> metric name -> increment."""
        ...


@dataclass(frozen=True)
class RunOptions:
    """How a run reads, places and flags."""

    chunk: int = DEFAULT_CHUNK
    placement: PlacementOptions = field(default_factory=PlacementOptions)
    rule: EmergingRule = field(default_factory=EmergingRule)
    sources: tuple[MetricSource, ...] = ()
    now: float | None = None


@dataclass
class RunReport:
    """What a run did and how long each step took."""

    entries_read: int = 0
    messages: int = 0
    joined_existing: int = 0
    joined_new: int = 0
    new_topics: int = 0
    waiting: int = 0
    topics: int = 0
    outcomes: int = 0
    emerging: list[EmergingFlag] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def add_time(self, step: str, started: float) -> None:
        """Add the time since ``started`` to ``step``."""
        self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started

    def lines(self) -> list[str]:
        """Summary lines for the command's output."""
        total = sum(self.seconds.values())
        return [
            f"read {self.entries_read} stream entries: {self.messages} customer messages with a subject",
            f"placed: {self.joined_existing} in existing topics, {self.joined_new} in {self.new_topics} new "
            f"topics; {self.waiting} waiting for later runs",
            f"topics: {self.topics}; ratings and offer events credited: {self.outcomes}",
            *(
                f"emerging: {f.topic_id} {f.count} {'upset messages' if f.measure == 'upset' else f.measure} "
                f"on {f.day} (expected {f.expected:.1f}, "
                f"p = {f.p_value:.2g})"
                for f in self.emerging
            ),
            f"run took {total:.1f} s (" + ", ".join(f"{k} {v:.2f} s" for k, v in self.seconds.items()) + ")",
        ]


def run_topics(
    redis: Redis, keys: Keys, encoder: Encoder, masker: Masker, options: RunOptions | None = None
) -> RunReport:
    """Read the new messages, place them, store the topics and flag emerging ones (module docstring)."""
    options = options or RunOptions()
    store = TopicStore(redis, keys)
    report = RunReport()
    with store.lock():
        started = time.perf_counter()
        state = store.load()
        model = TopicModel([c for c in state.centroids if c.topic_id in state.topics], options.placement)
        index = ConversationTopics(redis, keys, list(state.topics))
        report.add_time("load", started)
        while True:
            started = time.perf_counter()
            batch = read_messages(redis, keys, state.cursor, options.chunk)
            report.entries_read += batch.entries_read
            report.add_time("read", started)
            if batch.last_id == state.cursor:
                break
            if batch.messages:
                _place_chunk(store, state, model, encoder, masker, batch, index, options, report)
            else:  # only other events: nothing to place; their hand-offs counted, and move on past them
                handoffs = outcome_counts(((c, at, HANDOFFS, 1) for c, at in batch.handoffs), index)
                store.save_outcomes(handoffs, {}, events_cursor=batch.last_id)
                state.cursor = batch.last_id
            if len(batch.messages) < options.chunk:
                break
        started = time.perf_counter()
        read = read_outcomes(redis, keys, store.meta())
        store.save_outcomes(outcome_counts(read.outcomes, index), read.cursors)
        report.outcomes = len(read.outcomes)
        report.add_time("ratings and offers", started)
        started = time.perf_counter()
        report.topics = len(state.topics)
        report.emerging = flag_emerging(store, state, options)
        report.add_time("emerging", started)
    return report


def _place_chunk(
    store: TopicStore,
    state: StoredState,
    model: TopicModel,
    encoder: Encoder,
    masker: Masker,
    batch: StreamBatch,
    index: ConversationTopics,
    options: RunOptions,
    report: RunReport,
) -> None:
    now = options.now if options.now is not None else time.time()
    messages, last_id = batch.messages, batch.last_id
    started = time.perf_counter()
    masked = [masker.mask(m.text) for m in messages]
    kept = [i for i, text in enumerate(masked) if words(text)]
    report.messages += len(kept)
    report.add_time("mask", started)
    started = time.perf_counter()
    vectors = encode_unique(encoder, [messages[i].text for i in kept])
    report.add_time("embed", started)
    started = time.perf_counter()
    waiting = [p for p in state.pending if p.timestamp >= now - INSIGHTS_PENDING_TTL_S]
    items = [
        Item(p.key, p.conversation_id, p.text, p.timestamp, None, p.embedding(), p.message_id, p.answer_kind)
        for p in waiting
    ]
    for row, i in enumerate(kept):
        message = messages[i]
        items.append(
            Item(
                message.key,
                message.conversation_id,
                masked[i],
                message.timestamp,
                message.intent,
                vectors[row],
                message.message_id,
                batch.answers.get(message.key),
            )
        )
    matrix = np.stack([item.vector for item in items]) if items else np.zeros((0, DIMENSION))
    placement = model.place(matrix, store.allocate_ids)
    model.apply(placement)
    report.add_time("place", started)
    started = time.perf_counter()
    accumulator = RunAccumulator(state.topics, now)
    for item, topic_id, similarity in zip(items, placement.topic_of, placement.similarity, strict=True):
        if topic_id is None:
            continue
        accumulator.add(topic_id, item, float(similarity))
        if topic_id in placement.new_topics:
            report.joined_new += 1
        else:
            report.joined_existing += 1
    assigned = [
        AssignedMessage(
            topic,
            item.conversation_id,
            item.timestamp,
            day_of(item.timestamp),
            item.intent,
            item.message_id,
            item.answer_kind,
        )
        for item, topic in zip(items, placement.topic_of, strict=True)
        if topic is not None
    ]
    report.add_time("name and store", started)
    started = time.perf_counter()
    accumulator.add_counts(measure_counts(store, assigned, batch.handoffs, index))
    report.add_time("measures", started)
    started = time.perf_counter()
    for source in options.sources:
        accumulator.add_counts(source.counts(assigned))
    still = [
        PendingMessage.of(
            item.key,
            item.conversation_id,
            item.text,
            item.timestamp,
            item.vector,
            item.message_id,
            item.answer_kind,
        )
        for item, topic in zip(items, placement.topic_of, strict=True)
        if topic is None
    ]
    still = sorted(still, key=lambda p: -p.timestamp)[:INSIGHTS_PENDING_MAX]
    run = accumulator.write(model, placement.new_topics, state.merges, still, last_id)
    run.meta = {
        "last_run_at": datetime.fromtimestamp(now, UTC).isoformat(),
        "method": METHOD,
        "topics": str(len(state.topics)),
        "waiting": str(len(still)),
    }
    store.save(run)
    state.pending, state.cursor = still, last_id
    report.new_topics += len(placement.new_topics)
    report.waiting = len(still)
    report.add_time("name and store", started)
    store.trim_once_a_day(state.topics, day_of(now))


def measure_counts(
    store: TopicStore,
    assigned: Sequence[AssignedMessage],
    handoffs: Sequence[tuple[str, float]],
    index: ConversationTopics,
) -> dict[tuple[str, str], dict[str, int]]:
    """The chunk's emotions, answers and hand-offs per topic and day (``actions/insights/measures.py``)."""
    placed = [
        PlacedMessage(m.topic_id, m.conversation_id, m.timestamp, m.message_id, m.answer_kind)
        for m in assigned
    ]
    index.add(placed)
    timelines = read_timelines(store.redis, store.keys, (m.conversation_id for m in placed))
    return merge_counts(
        emotion_counts(placed, timelines),
        answer_counts(placed),
        outcome_counts(((c, at, HANDOFFS, 1) for c, at in handoffs), index),
    )


def encode_unique(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """Embeddings of ``texts``, each distinct text (case and spacing aside) encoded once.

    Customers repeat themselves ("where is my order"): a run embeds each wording once.
    """
    index: dict[str, int] = {}
    rows = [index.setdefault(" ".join(text.lower().split()), len(index)) for text in texts]
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    unique = encoder.encode(list(index))
    return np.asarray(unique[rows])


# A topic stays flagged for the day its rise was found and the days after, up to this many days.
FLAG_KEPT_DAYS = 3


def flag_emerging(store: TopicStore, state: StoredState, options: RunOptions) -> list[EmergingFlag]:
    """Test each topic's volume and upset share on each of the last ``FLAG_KEPT_DAYS`` days; store the flags.

    Merges are folded in; each topic keeps its strongest flag per measure.
    """
    now = options.now if options.now is not None else time.time()
    folded: dict[str, dict[str, dict[str, int]]] = {}
    for topic_id, metrics in store.daily_metrics(
        state.topics, (CONVERSATIONS, UPSET_METRIC, EMOTION_READ)
    ).items():
        root = folded.setdefault(root_of(topic_id, state.merges), {})
        for metric, series in metrics.items():
            days = root.setdefault(metric, {})
            for day, count in series.items():
                days[day] = days.get(day, 0) + count
    strongest: dict[tuple[str, str], EmergingFlag] = {}
    for days_ago in range(FLAG_KEPT_DAYS):
        # Each day against the baseline before it: a rise that began yesterday is still flagged
        # today, although today's own baseline already holds the first day of the rise.
        day = day_of(now - days_ago * 86_400)
        found = emerging_topics({t: m[CONVERSATIONS] for t, m in folded.items()}, day, options.rule)
        found += upset_topics(
            {t: (m[UPSET_METRIC], m[EMOTION_READ]) for t, m in folded.items()}, day, options.rule
        )
        for flag in found:
            kept = strongest.get((flag.topic_id, flag.measure))
            if kept is None or flag.p_value < kept.p_value:
                strongest[(flag.topic_id, flag.measure)] = flag
    flags = sorted(strongest.values(), key=lambda flag: flag.p_value)
    store.save_emerging(flags)
    return flags
