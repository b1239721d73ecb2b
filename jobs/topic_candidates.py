"""The clustering methods the topics job was chosen from, scored side by side on the same embeddings.

``python -m jobs.topics compare --clinc PATH --split val`` prints one row per method; the
choice (docs/insights.md) was made on CLINC150's validation split and then measured once
on its test split. Every method but the first finds the number of topics itself:

- ``kmeans-given-k``: K-Means told the true number of labels (the reference, not a candidate);
- ``average-0.5``: average-linkage agglomerative clustering on cosine distance, cut at 0.5;
- ``ward-silhouette``: Ward's tree cut at the k (20, 40, ..., 400) with the best cosine silhouette;
- ``hdbscan``: HDBSCAN (min cluster size 5, min samples 3), noise given to the nearest cluster;
- ``ward-bic``: Ward's tree cut at the lowest vMF-mixture BIC, nothing else;
- ``shipped``: what a topics run does (``TopicModel.place``: BIC cut, loose clusters looked at
  again, small or loose ones waiting; waiting messages scored with their nearest topic).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

from actions.insights.clustering import bic_cut, centroids_of
from actions.insights.topics import PlacementOptions
from jobs.topic_quality import Labelled, clustering_accuracy, score_runs

SILHOUETTE_KS = tuple(range(20, 401, 20))


@dataclass(frozen=True)
class Row:
    """One method's scores."""

    method: str
    topics: int
    nmi: float
    ari: float
    accuracy: float
    seconds: float

    def line(self) -> str:
        """The row as printed."""
        return (
            f"{self.method:<16} {self.topics:>6} {self.nmi:>7.4f} {self.ari:>7.4f} "
            f"{self.accuracy:>9.4f} {self.seconds:>8.1f}"
        )


HEADER = f"{'method':<16} {'topics':>6} {'NMI':>7} {'ARI':>7} {'accuracy':>9} {'seconds':>8}"


def _kmeans(vectors: np.ndarray, k: int) -> np.ndarray:
    return np.asarray(KMeans(n_clusters=k, n_init=10, random_state=7).fit_predict(vectors))


def _average(vectors: np.ndarray) -> np.ndarray:
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=0.5
    )
    return np.asarray(model.fit_predict(vectors))


def _ward_silhouette(vectors: np.ndarray) -> np.ndarray:
    merges = linkage(np.asarray(vectors, dtype=np.float64), method="ward")
    cuts = {k: fcluster(merges, k, criterion="maxclust") - 1 for k in SILHOUETTE_KS if k < len(vectors)}
    best = max(cuts, key=lambda k: silhouette_score(vectors, cuts[k], metric="cosine"))
    return np.asarray(cuts[best])


def _hdbscan(vectors: np.ndarray) -> np.ndarray:
    labels = np.asarray(HDBSCAN(min_cluster_size=5, min_samples=3, copy=True).fit_predict(vectors))
    found = labels >= 0
    if found.any() and not found.all():
        clusters = np.unique(labels[found])
        centroids = centroids_of(vectors[found], np.searchsorted(clusters, labels[found]), len(clusters))
        labels[~found] = clusters[np.argmax(vectors[~found] @ centroids.T, axis=1)]
    return labels


def compare(data: Labelled, vectors: np.ndarray) -> list[Row]:
    """Every method's scores on the same embedded messages."""
    truth = data.labels
    methods: dict[str, Callable[[], np.ndarray]] = {
        "kmeans-given-k": lambda: _kmeans(vectors, len(set(truth))),
        "average-0.5": lambda: _average(vectors),
        "ward-silhouette": lambda: _ward_silhouette(vectors),
        "hdbscan": lambda: _hdbscan(vectors),
        "ward-bic": lambda: bic_cut(np.asarray(vectors, dtype=np.float64)).labels,
    }
    rows = []
    for name, method in methods.items():
        started = time.perf_counter()
        found = [str(label) for label in method()]
        rows.append(
            Row(
                name,
                len(set(found)),
                float(normalized_mutual_info_score(truth, found)),
                float(adjusted_rand_score(truth, found)),
                clustering_accuracy(truth, found),
                time.perf_counter() - started,
            )
        )
    shipped = score_runs(data, vectors, 0.0, PlacementOptions(), 1, 7)
    rows.append(
        Row(
            "shipped",
            shipped.topics_found,
            shipped.nmi,
            shipped.ari,
            shipped.accuracy,
            shipped.seconds_placing,
        )
    )
    return rows
