"""What one chunk of a topics run changes: topic records, names, counters and waiting messages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from actions.insights.measures import UNANSWERED_KINDS
from actions.insights.models import PendingMessage, Topic, TopicExample, day_of
from actions.insights.naming import distinctive_words, merge_terms, term_counts
from actions.insights.overrides import root_of
from actions.insights.store import CONVERSATIONS, MESSAGES, RunWrite
from actions.insights.topics import TopicModel

EXAMPLES_KEPT = 5
WORDS_KEPT = 8
# The newest unanswered questions kept per topic for the knowledge-gaps page.
GAPS_KEPT = 10


@dataclass(frozen=True)
class Item:
    """A message being placed: masked text, its embedding and where it came from."""

    key: str
    conversation_id: str
    text: str
    timestamp: float
    intent: str | None
    vector: np.ndarray
    message_id: str | None = None
    answer_kind: str | None = None  # the kind of the assistant's answer that followed it


class RunAccumulator:
    """Collects a chunk's placements and turns them into one ``RunWrite``.

    ``topics`` (id -> Topic) is updated in place, so the next chunk starts from it.
    """

    def __init__(self, topics: dict[str, Topic], now: float) -> None:
        self.topics = topics
        self.now = now
        self._members: dict[str, list[tuple[Item, float]]] = {}
        self._counts: dict[tuple[str, str], Counter[str]] = {}
        self._conversations: dict[tuple[str, str], set[str]] = {}
        self._latest: dict[str, dict[str, float]] = {}

    def add(self, topic_id: str, item: Item, similarity: float) -> None:
        """Count ``item`` as a message of ``topic_id``."""
        self._members.setdefault(topic_id, []).append((item, similarity))
        day = day_of(item.timestamp)
        self._counts.setdefault((topic_id, day), Counter())[MESSAGES] += 1
        self._conversations.setdefault((topic_id, day), set()).add(item.conversation_id)
        latest = self._latest.setdefault(topic_id, {})
        latest[item.conversation_id] = max(latest.get(item.conversation_id, 0.0), item.timestamp)

    def add_counts(self, counts: dict[tuple[str, str], dict[str, int]]) -> None:
        """Add a metric source's per-topic, per-day increments (names other than ours)."""
        for place, metrics in counts.items():
            for metric, value in metrics.items():
                if metric not in (MESSAGES, CONVERSATIONS):
                    self._counts.setdefault(place, Counter())[metric] += value

    def write(
        self,
        model: TopicModel,
        new_topics: list[str],
        merges: dict[str, str],
        pending: list[PendingMessage],
        cursor: str,
    ) -> RunWrite:
        """The chunk's writes: grown and new topics, renamed roots, counters, waiting messages, position."""
        now = datetime.fromtimestamp(self.now, UTC)
        changed: set[str] = set()
        for topic_id, members in self._members.items():
            self.topics[topic_id] = self._grown(topic_id, members, model, now)
            changed.add(topic_id)
        changed |= self._rename_roots(merges)
        return RunWrite(
            topics=[self.topics[t] for t in sorted(changed)],
            vector_sums={t: model.centroids[t].vector_sum for t in self._members},
            counts={place: dict(counter) for place, counter in self._counts.items()},
            conversations=self._conversations,
            latest=self._latest,
            pending=pending,
            cursor=cursor,
            created={t: self.now for t in new_topics},
        )

    def _grown(
        self, topic_id: str, members: list[tuple[Item, float]], model: TopicModel, now: datetime
    ) -> Topic:
        old = self.topics.get(topic_id)
        days = sorted(day_of(item.timestamp) for item, _ in members)
        fresh = [
            TopicExample(
                text=item.text,
                conversation_id=item.conversation_id,
                timestamp=item.timestamp,
                similarity=max(-1.0, min(1.0, similarity)),
            )
            for item, similarity in members
        ]
        examples = _best_examples([*(old.examples if old else []), *fresh])
        gaps = _newest_gaps(
            [*(old.gaps if old else [])],
            [e for e, (item, _) in zip(fresh, members, strict=True) if item.answer_kind in UNANSWERED_KINDS],
        )
        terms = merge_terms(old.terms if old else {}, term_counts(item.text for item, _ in members))
        return Topic(
            id=topic_id,
            name=old.name if old else "",
            words=old.words if old else [],
            examples=examples,
            size=model.centroids[topic_id].size,
            terms=terms,
            created_at=old.created_at if old else now,
            updated_at=now,
            first_day=min(days[0], old.first_day) if old else days[0],
            last_day=max(days[-1], old.last_day) if old else days[-1],
            gaps=gaps,
        )

    def _rename_roots(self, merges: dict[str, str]) -> set[str]:
        folded: dict[str, Counter[str]] = {}
        for topic_id, topic in self.topics.items():
            folded.setdefault(root_of(topic_id, merges), Counter()).update(topic.terms)
        renamed: set[str] = set()
        for root, named in distinctive_words(
            {r: t for r, t in folded.items() if r in self.topics}, WORDS_KEPT
        ).items():
            topic = self.topics[root]
            if topic.name != named.name or topic.words != named.words:
                self.topics[root] = topic.model_copy(update={"name": named.name, "words": named.words})
                renamed.add(root)
        return renamed


def _best_examples(candidates: list[TopicExample]) -> list[TopicExample]:
    """The most central examples, one per distinct text."""
    chosen: list[TopicExample] = []
    seen: set[str] = set()
    for example in sorted(candidates, key=lambda e: -e.similarity):
        normal = " ".join(example.text.lower().split())
        if normal not in seen:
            seen.add(normal)
            chosen.append(example)
        if len(chosen) == EXAMPLES_KEPT:
            break
    return chosen


def _newest_gaps(kept: list[TopicExample], fresh: list[TopicExample]) -> list[TopicExample]:
    """The newest ``GAPS_KEPT`` unanswered questions, newest first, each message once."""
    by_message = {(e.conversation_id, e.timestamp): e for e in [*kept, *fresh]}
    return sorted(by_message.values(), key=lambda e: -e.timestamp)[:GAPS_KEPT]
