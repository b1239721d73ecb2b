"""Where new messages go: an existing topic when close enough, else new topics, else wait.

``TopicModel.place`` takes a run's message embeddings and the topics so far:

1. each message joins the topic whose centroid is nearest if the cosine is at least
   ``join_threshold``. A topic a marketer merged into another keeps its own centroid and
   its own counts; readers fold it into the other (``overrides.py``), so a merge can be
   undone and the model never needs to know about it;
2. the rest are clustered (``clustering.cluster``: Ward's tree cut by BIC); a cluster of at
   least ``min_topic_size`` messages whose mean pairwise cosine is at least ``min_cohesion``
   squared (``alike``: what a large cluster of that cohesion has) becomes a new topic with a
   fresh id;
3. the messages left join a new topic by the rule of step 1; the others wait: the job keeps
   them and offers them to the next runs, when a small subject may have grown into a topic.

A new cluster is never folded into an existing topic by centroid similarity: its messages
were each too far from that topic, and two averages are always closer than their members.
Near-duplicate topics are what a marketer's merge is for.

Centroids are running sums of member embeddings, so they move with each run without
re-reading old messages, and topic ids never change once given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from actions.insights.clustering import (
    DEFAULT_SEED,
    MAX_CLUSTERED,
    MIN_COHESION,
    cluster,
    mean_pairwise_cosine,
    normalised,
)

# Cosine to a topic's centroid at which a message joins it. Chosen on CLINC150's validation
# split in successive runs (docs/insights.md): 0.55 pulled neighbouring subjects into old
# topics, 0.65 left more messages waiting for no better topics.
JOIN_THRESHOLD = 0.6
# Fewer messages than this are no topic (yet): they wait for later runs.
MIN_TOPIC_SIZE = 3


def alike(vectors: np.ndarray, min_cohesion: float) -> bool:
    """Whether messages are alike enough to make a topic: their mean pairwise cosine.

    Judged against what a large cluster of cohesion ``min_cohesion`` has (its square), as
    cohesion itself flatters a small group: two messages of one subject and one of another
    have a cohesion of 0.71 (pair cosines 0.75, 0, 0), a mean pairwise cosine of 0.25.
    """
    return mean_pairwise_cosine(vectors) >= min_cohesion**2


@dataclass
class TopicCentroid:
    """One topic's running sum of member embeddings and its size."""

    topic_id: str
    vector_sum: np.ndarray
    size: int


@dataclass(frozen=True)
class PlacementOptions:
    """How ``place`` decides (the defaults are the measured choice)."""

    join_threshold: float = JOIN_THRESHOLD
    min_cohesion: float = MIN_COHESION
    min_topic_size: int = MIN_TOPIC_SIZE
    max_clustered: int = MAX_CLUSTERED
    seed: int = DEFAULT_SEED


@dataclass
class Placement:
    """A run's outcome, row by row and per topic.

    ``topic_of[i]`` is the topic id message ``i`` joined, or None while it waits;
    ``similarity[i]`` its cosine to that topic's centroid (0 when waiting). ``new_topics``
    lists the ids created in this run; ``grown`` and ``grown_size`` what to add to each
    topic's centroid sum and size.
    """

    topic_of: list[str | None]
    similarity: np.ndarray
    new_topics: list[str] = field(default_factory=list)
    grown: dict[str, np.ndarray] = field(default_factory=dict)
    grown_size: dict[str, int] = field(default_factory=dict)
    clusters_found: int = 0

    def members(self, topic_id: str) -> list[int]:
        """Rows placed in ``topic_id``."""
        return [i for i, topic in enumerate(self.topic_of) if topic == topic_id]

    @property
    def waiting(self) -> list[int]:
        """Rows placed nowhere yet."""
        return [i for i, topic in enumerate(self.topic_of) if topic is None]


class TopicModel:
    """The topics known before a run, and the rule that places a run's messages among them."""

    def __init__(self, centroids: list[TopicCentroid], options: PlacementOptions | None = None) -> None:
        self.centroids = {c.topic_id: c for c in centroids}
        self.options = options or PlacementOptions()

    def place(self, vectors: np.ndarray, new_ids: Callable[[int], list[str]]) -> Placement:
        """Place unit-length ``vectors`` (one row per message); ``new_ids(n)`` allocates n topic ids."""
        n = len(vectors)
        placement = Placement([None] * n, np.zeros(n))
        ids = list(self.centroids)
        placed_by: list[str | None] = [None] * n
        if ids and n:
            matrix = normalised(np.stack([self.centroids[i].vector_sum for i in ids]))
            similarities = vectors @ matrix.T
            best = np.argmax(similarities, axis=1)
            for row in range(n):
                score = float(similarities[row, best[row]])
                if score >= self.options.join_threshold:
                    placed_by[row] = ids[int(best[row])]
                    placement.similarity[row] = score
        rest = np.array([row for row in range(n) if placed_by[row] is None], dtype=np.int64)
        if len(rest) >= self.options.min_topic_size:
            self._cluster_rest(vectors, rest, placed_by, placement, new_ids)
        for row, centroid_id in enumerate(placed_by):
            if centroid_id is None:
                continue
            placement.topic_of[row] = centroid_id
            placement.grown[centroid_id] = placement.grown.get(centroid_id, 0) + vectors[row]
            placement.grown_size[centroid_id] = placement.grown_size.get(centroid_id, 0) + 1
        return placement

    def apply(self, placement: Placement) -> None:
        """Add a placement's growth to the centroids, creating those of its new topics."""
        for centroid_id, added in placement.grown.items():
            size = placement.grown_size[centroid_id]
            known = self.centroids.get(centroid_id)
            if known is None:
                self.centroids[centroid_id] = TopicCentroid(
                    centroid_id, np.asarray(added, dtype=np.float64), size
                )
            else:
                known.vector_sum = known.vector_sum + added
                known.size += size

    def _cluster_rest(
        self,
        vectors: np.ndarray,
        rest: np.ndarray,
        placed_by: list[str | None],
        placement: Placement,
        new_ids: Callable[[int], list[str]],
    ) -> None:
        options = self.options
        # Identical messages are clustered once: a wording many customers repeat word for word is
        # one point of the tree, not a cluster of its own that BIC would split off its subject.
        unique, inverse = np.unique(vectors[rest], axis=0, return_inverse=True)
        found = cluster(unique, options.max_clustered, options.seed, options.min_cohesion)
        labels = found.labels[inverse.reshape(-1)]
        placement.clusters_found = found.k
        fresh = [
            rows
            for rows in (rest[labels == label] for label in range(found.k))
            if len(rows) >= options.min_topic_size and alike(vectors[rows], options.min_cohesion)
        ]
        allocated = new_ids(len(fresh)) if fresh else []
        directions = []
        for topic_id, rows in zip(allocated, fresh, strict=True):
            direction = normalised(vectors[rows].sum(axis=0, keepdims=True))[0]
            self._assign(vectors, rows, topic_id, direction, placed_by, placement)
            placement.new_topics.append(topic_id)
            directions.append(direction)
        # What is left joins a new topic by the rule of step 1: BIC may split a message or two off
        # a small cluster, yet they are as close to its centroid as any message that joins a topic.
        left = np.array([row for row in rest if placed_by[int(row)] is None], dtype=np.int64)
        if directions and len(left):
            similarities = vectors[left] @ np.stack(directions).T
            for row, scores in zip(left, similarities, strict=True):
                best = int(np.argmax(scores))
                if scores[best] >= options.join_threshold:
                    placed_by[int(row)] = allocated[best]
                    placement.similarity[int(row)] = float(scores[best])

    @staticmethod
    def _assign(
        vectors: np.ndarray,
        rows: np.ndarray,
        centroid_id: str,
        direction: np.ndarray,
        placed_by: list[str | None],
        placement: Placement,
    ) -> None:
        for row in rows:
            placed_by[int(row)] = centroid_id
            placement.similarity[int(row)] = float(vectors[int(row)] @ direction)
