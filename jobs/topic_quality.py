"""Topic quality against labelled messages: the topics job's placement scored with NMI, ARI and accuracy.

``python -m jobs.topics evaluate`` calls this. The number of topics is never given:
the messages go through ``TopicModel.place`` exactly as in a job run, from no topics
(``runs=1``) or in several successive runs over a seeded shuffle (``runs=N``: each run
sees the topics, and the waiting messages, the previous ones left). Messages still
waiting at the end are scored with the topic whose centroid is nearest, and counted.

Clustering accuracy is the share of messages whose topic is matched to their label by
the best one-to-one matching of topics to labels (Hungarian algorithm,
``scipy.optimize.linear_sum_assignment``); unmatched topics count as errors, so
over-splitting costs accuracy even where NMI forgives it.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from actions.insights.clustering import normalised
from actions.insights.topics import PlacementOptions, TopicModel

CLINC_SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Labelled:
    """Messages and their true topic labels."""

    name: str
    texts: list[str]
    labels: list[str]


def read_clinc(path: Path, split: str = "test") -> Labelled:
    """CLINC150 ``data_full.json``: the in-scope messages of one split (test: 4,500 in 150 intents)."""
    if split not in CLINC_SPLITS:
        raise ValueError(f"split must be one of {', '.join(CLINC_SPLITS)}, not {split!r}")
    rows = json.loads(path.read_text(encoding="utf-8"))[split]
    return Labelled(f"CLINC150 {split} (in scope)", [t for t, _ in rows], [label for _, label in rows])


def read_labelled_csv(path: Path) -> Labelled:
    """A ``text,label`` CSV file (header optional)."""
    texts, labels = [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if number == 1 and [cell.strip().lower() for cell in row] == ["text", "label"]:
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise ValueError(f"{path}:{number}: expected text,label")
            texts.append(row[0].strip())
            labels.append(row[1].strip())
    return Labelled(path.name, texts, labels)


def clustering_accuracy(truth: Sequence[str], found: Sequence[str]) -> float:
    """Share of items whose found cluster maps to their label under the best one-to-one matching."""
    true_ids = {label: i for i, label in enumerate(sorted(set(truth)))}
    found_ids = {label: i for i, label in enumerate(sorted(set(found)))}
    counts = np.zeros((len(found_ids), len(true_ids)))
    np.add.at(counts, ([found_ids[f] for f in found], [true_ids[t] for t in truth]), 1)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, cols].sum() / len(truth))


@dataclass(frozen=True)
class Quality:
    """The scores of one evaluation and what it took."""

    dataset: str
    messages: int
    true_topics: int
    topics_found: int
    nmi: float
    ari: float
    accuracy: float
    waiting: int
    runs: int
    options: PlacementOptions
    seconds_embedding: float
    seconds_placing: float

    def lines(self) -> list[str]:
        """The report, one figure a line."""
        return [
            f"dataset: {self.dataset}, {self.messages} messages, {self.true_topics} true topics",
            f"runs: {self.runs} ({'from no topics' if self.runs == 1 else 'successive, seeded shuffle'}); "
            f"join threshold {self.options.join_threshold}, minimum cohesion {self.options.min_cohesion}",
            f"topics found: {self.topics_found} (true: {self.true_topics})",
            f"NMI: {self.nmi:.4f}",
            f"ARI: {self.ari:.4f}",
            f"clustering accuracy (Hungarian): {self.accuracy:.4f}",
            f"messages still waiting at the end (scored with their nearest topic): {self.waiting}",
            f"time: embedding {self.seconds_embedding:.1f} s, placing {self.seconds_placing:.1f} s",
        ]


def evaluate(
    data: Labelled,
    encode: Callable[[Sequence[str]], np.ndarray],
    grid: Sequence[PlacementOptions] = (PlacementOptions(),),
    runs: Sequence[int] = (1,),
    seed: int = 7,
) -> list[Quality]:
    """Embed ``data``'s messages once, then score each placement setting in each number of ``runs``."""
    started = time.perf_counter()
    vectors = encode(data.texts)
    embedding = time.perf_counter() - started
    return [score_runs(data, vectors, embedding, options, count, seed) for options in grid for count in runs]


def score_runs(
    data: Labelled,
    vectors: np.ndarray,
    embedding_seconds: float,
    options: PlacementOptions,
    runs: int,
    seed: int,
) -> Quality:
    """Place the embedded messages in ``runs`` successive runs and score the topics against the labels."""
    started = time.perf_counter()
    count = len(data.texts)
    order = np.random.default_rng(seed).permutation(count) if runs > 1 else np.arange(count)
    model = TopicModel([], options)
    topic_of: dict[int, str] = {}
    waiting: list[int] = []
    counter = iter(range(1, 10**9))
    for part in np.array_split(order, runs):
        rows = np.concatenate([np.array(waiting, dtype=np.int64), part])
        placement = model.place(vectors[rows], lambda n: [f"t-{next(counter)}" for _ in range(n)])
        model.apply(placement)
        waiting = []
        for row, topic in zip(rows, placement.topic_of, strict=True):
            if topic is None:
                waiting.append(int(row))
            else:
                topic_of[int(row)] = topic
    topics = sorted(model.centroids)
    if waiting and topics:
        matrix = normalised(np.stack([model.centroids[t].vector_sum for t in topics]))
        nearest = np.argmax(vectors[waiting] @ matrix.T, axis=1)
        topic_of.update({row: topics[int(i)] for row, i in zip(waiting, nearest, strict=True)})
    found = [topic_of.get(row, "none") for row in range(count)]
    return Quality(
        dataset=data.name,
        messages=count,
        true_topics=len(set(data.labels)),
        topics_found=len(set(found)),
        nmi=float(normalized_mutual_info_score(data.labels, found)),
        ari=float(adjusted_rand_score(data.labels, found)),
        accuracy=clustering_accuracy(data.labels, found),
        waiting=len(waiting),
        runs=runs,
        options=options,
        seconds_embedding=embedding_seconds,
        seconds_placing=time.perf_counter() - started,
    )
