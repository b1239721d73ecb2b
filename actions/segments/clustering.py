"""K-Means over scaled customer features, with k chosen by silhouette."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from actions.errors import StoreDataError
from actions.segments.features import feature_names
from actions.segments.models import SegmentModel

# Counts, money and days are long-tailed (a few customers order hundreds of
# times); on a log scale one whale does not get a segment of its own.
LOG_FEATURES = ("recency_days", "frequency", "monetary", "avg_order_value")
# The category shares together weigh as much as this many behavioural features,
# however many categories the store has: ten raw share columns would otherwise
# split customers by category alone.
CATEGORY_BLOCK_WEIGHT = 2.0
N_INIT = 10
DEFAULT_SEED = 7
DEFAULT_K_RANGE = (3, 8)
# Silhouette is quadratic in the number of customers: above this it is
# estimated on a seeded sample, which keeps a big store's run in seconds.
SILHOUETTE_SAMPLE = 3000
# One OpenMP/BLAS thread: on 2 shared cores, K-Means' OpenMP threads spin while
# waiting for each other and a 40 ms fit took 4 s when the other core was busy.
CLUSTERING_THREADS = 1


@dataclass(frozen=True)
class Clustering:
    """A fitted segmentation: the model, each customer's segment and the silhouettes tried."""

    model: SegmentModel
    assignments: np.ndarray
    silhouette_by_k: dict[int, float]
    seconds: float

    @property
    def chosen_k(self) -> int:
        """The number of segments kept."""
        return self.model.k


def column_weights(categories: Sequence[str]) -> list[float]:
    """1 for each behavioural feature; the category block shares CATEGORY_BLOCK_WEIGHT."""
    names = feature_names(categories)
    per_category = float(np.sqrt(CATEGORY_BLOCK_WEIGHT / len(categories))) if categories else 0.0
    return [per_category if name.startswith("affinity:") else 1.0 for name in names]


def fit_segments(
    raw: np.ndarray,
    categories: Sequence[str],
    now: datetime,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    seed: int = DEFAULT_SEED,
) -> Clustering:
    """Scale the raw feature matrix, cluster it for every k in ``k_range`` and keep the best silhouette.

    Segment ids are ordered by size (0 is the largest), so a re-run on the same
    data gives the same ids. Raises StoreDataError when there are too few customers.
    """
    started = time.perf_counter()
    k_min, k_max = k_range
    if k_min < 2 or k_max < k_min:
        raise ValueError(f"k range must satisfy 2 <= k_min <= k_max, got {k_range}")
    names = feature_names(categories)
    if raw.ndim != 2 or raw.shape[1] != len(names):
        raise ValueError(f"expected a matrix with {len(names)} columns, got shape {raw.shape}")
    distinct = len(np.unique(raw, axis=0))
    if distinct <= k_min:
        raise StoreDataError(f"{distinct} distinct customers cannot form {k_min} segments")
    logged = np.array([name in LOG_FEATURES for name in names])
    values = raw.astype(np.float64, copy=True)
    values[:, logged] = np.log1p(np.maximum(values[:, logged], 0.0))
    scaler = StandardScaler().fit(values)
    weights = np.array(column_weights(categories))
    points = scaler.transform(values) * weights

    silhouettes: dict[int, float] = {}
    fitted: dict[int, KMeans] = {}
    sample = min(len(points), SILHOUETTE_SAMPLE)
    with threadpool_limits(limits=CLUSTERING_THREADS):
        for k in range(k_min, min(k_max, distinct - 1) + 1):
            kmeans = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(points)
            labels = kmeans.labels_
            silhouettes[k] = float(silhouette_score(points, labels, sample_size=sample, random_state=seed))
            fitted[k] = kmeans
    # Ties go to the smaller k: fewer segments are easier to act on.
    best = max(silhouettes, key=lambda k: (round(silhouettes[k], 6), -k))
    kmeans = fitted[best]
    sizes = np.bincount(kmeans.labels_, minlength=best)
    order = sorted(range(best), key=lambda c: (-sizes[c], c))
    renumber = np.empty(best, dtype=np.int64)
    renumber[order] = np.arange(best)
    centroids = kmeans.cluster_centers_[order]
    mean = [float(v) for v in scaler.mean_]
    scale = [float(v) for v in scaler.scale_]
    model = SegmentModel(
        version=_version(centroids, mean, scale, now),
        created_at=now,
        categories=list(categories),
        feature_names=names,
        log_features=[name for name in names if name in LOG_FEATURES],
        mean=mean,
        scale=scale,
        weights=[float(w) for w in weights],
        centroids=[[float(v) for v in row] for row in centroids],
        silhouette_by_k={k: round(v, 4) for k, v in silhouettes.items()},
    )
    return Clustering(model, renumber[kmeans.labels_], silhouettes, time.perf_counter() - started)


def _version(centroids: np.ndarray, mean: list[float], scale: list[float], now: datetime) -> str:
    payload = json.dumps([np.round(centroids, 6).tolist(), mean, scale, now.isoformat()])
    return hashlib.sha256(payload.encode()).hexdigest()[:12]
