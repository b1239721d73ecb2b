"""Messages grouped into topics with no number of topics given: Ward's tree, cut where BIC is lowest.

Ward's agglomerative clustering on the unit-length embeddings builds one tree; each
number of clusters ``k`` is one cut of it. The cut kept is the one that minimises the
Bayesian information criterion of a mixture of von Mises-Fisher distributions (the
normal distribution of the sphere) with one shared concentration ``kappa``:

    BIC(k) = -2 log L(k) + k (d + 1) log n
    log L(k) = kappa * R(k) + n log C_d(kappa),   R(k) = sum over clusters of |sum of its vectors|

with ``kappa`` estimated from the mean resultant length ``R(k)/n`` (Banerjee et al.,
JMLR 2005, eq. 4) and ``C_d`` the vMF normalising constant in ``d`` dimensions. More
clusters always fit better (``R`` grows); the ``k (d + 1) log n`` term charges each one
the parameters of its mean direction, so the criterion has a minimum: no threshold
is tuned on any data. ``R(k)`` for every ``k`` comes from one pass over the merges,
so the whole curve costs less than the tree.

Why this and not another (measured on CLINC150's validation split, docs/insights.md):
silhouette on the same tree grows with ``k`` up to hundreds of clusters (it chose the
largest k tried), an average-linkage distance threshold over-splits (600+ clusters),
HDBSCAN's result depends on its minimum cluster size and leaves a third of the
messages as noise. Ward's tree is O(n^2) in memory and time, so a run clusters at most
``MAX_CLUSTERED`` messages (a seeded sample) and gives the rest to the nearest new cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage, to_tree
from scipy.special import ive

# Ward's tree on 8,000 messages takes ~8 s and 250 MB on 2 cores; 10,000 took 21 s.
MAX_CLUSTERED = 8_000
DEFAULT_SEED = 7
# A cluster less cohesive than this is looked at again on its own (and the topics model lets
# its messages wait rather than make a topic of it). Chosen on CLINC150's validation split
# (docs/insights.md): 5% of its intents are less cohesive than 0.59; the loose clusters BIC
# leaves in a small run, ~0.4. 0.55 scored a little better in one run, 0.6 in successive runs.
MIN_COHESION = 0.6
MAX_REFINE_DEPTH = 4
MIN_REFINED = 6
# Mean resultant lengths are kept inside (0, 1): identical messages would make kappa infinite.
_RBAR_LIMITS = (1e-6, 1 - 1e-9)


@dataclass(frozen=True)
class Clustering:
    """Cluster labels ``0..k-1`` for each input row, and the BIC curve the ``k`` was chosen from."""

    labels: np.ndarray
    k: int
    bic_by_k: dict[int, float]


def vmf_bic_curve(vectors: np.ndarray, merges: np.ndarray) -> np.ndarray:
    """BIC of every cut of a Ward tree: element ``k - 1`` is the BIC with ``k`` clusters.

    Args:
        vectors: Unit-length rows, shape (n, d).
        merges: The tree, as ``scipy.cluster.hierarchy.linkage`` returns it.

    """
    n, d = vectors.shape
    sums = np.zeros((2 * n - 1, d))
    sums[:n] = vectors
    norms = np.ones(2 * n - 1)
    resultant = np.zeros(n + 1)  # resultant[k]: R with k clusters
    total = float(n)
    resultant[n] = total
    for step, (left, right, _, _) in enumerate(merges):
        node = n + step
        sums[node] = sums[int(left)] + sums[int(right)]
        norms[node] = float(np.linalg.norm(sums[node]))
        total += norms[node] - norms[int(left)] - norms[int(right)]
        resultant[n - 1 - step] = total
    ks = np.arange(1, n + 1)
    rbar = np.clip(resultant[1:] / n, *_RBAR_LIMITS)
    kappa = rbar * (d - rbar**2) / (1 - rbar**2)
    order = d / 2 - 1
    # log I_v(kappa) = log(ive(v, kappa)) + kappa: the scaled Bessel function does not overflow.
    log_normaliser = order * np.log(kappa) - (d / 2) * np.log(2 * np.pi) - (np.log(ive(order, kappa)) + kappa)
    log_likelihood = kappa * resultant[1:] + n * log_normaliser
    return np.asarray(-2 * log_likelihood + ks * (d + 1) * np.log(n))


def cluster(
    vectors: np.ndarray,
    max_clustered: int = MAX_CLUSTERED,
    seed: int = DEFAULT_SEED,
    min_cohesion: float = MIN_COHESION,
) -> Clustering:
    """Group unit-length ``vectors`` into the number of clusters BIC prefers.

    A cluster whose cohesion (mean cosine of its members to its centroid) is below
    ``min_cohesion`` is clustered again on its own: BIC needs several messages per subject
    before it splits them, so a small run leaves loose clusters that mix subjects, and a
    second look at one of them alone often separates them. Above ``max_clustered`` rows, a
    seeded sample of that size is clustered and every other row joins the nearest cluster.
    """
    n = len(vectors)
    if n > max_clustered:
        sample = np.sort(np.random.default_rng(seed).choice(n, max_clustered, replace=False))
        fitted = cluster(vectors[sample], max_clustered, seed, min_cohesion)
        centroids = centroids_of(vectors[sample], fitted.labels, fitted.k)
        labels = np.argmax(vectors @ centroids.T, axis=1)
        labels[sample] = fitted.labels
        return Clustering(labels.astype(np.int64), fitted.k, fitted.bic_by_k)
    top = bic_cut(np.asarray(vectors, dtype=np.float64))
    if top.k == 1 and n >= MIN_REFINED and cohesion(vectors) < min_cohesion:
        # A small run of mixed subjects: the penalty of a second cluster outweighs the fit of a
        # handful of messages, so BIC keeps them all together. The tree still holds the subjects.
        groups = cohesive_subtrees(np.asarray(vectors, dtype=np.float64), min_cohesion)
    else:
        groups = _refined(vectors, top.labels, top.k, min_cohesion, depth=0)
    labels = np.zeros(n, dtype=np.int64)
    for label, rows in enumerate(groups):
        labels[rows] = label
    return Clustering(labels, len(groups), top.bic_by_k)


def bic_cut(data: np.ndarray) -> Clustering:
    """Ward's tree on unit-length ``data`` cut where the vMF-mixture BIC is lowest (no refinement)."""
    n = len(data)
    if n < 3:
        return Clustering(np.zeros(n, dtype=np.int64), min(n, 1), {})
    merges = linkage(data, method="ward")
    # One cluster per message is never a topic model; half the messages bounds the search.
    bic = vmf_bic_curve(data, merges)[: max(1, n // 2)]
    labels = fcluster(merges, int(np.argmin(bic)) + 1, criterion="maxclust") - 1
    return Clustering(
        labels.astype(np.int64), int(labels.max()) + 1, {k + 1: float(v) for k, v in enumerate(bic)}
    )


def _refined(
    vectors: np.ndarray, labels: np.ndarray, k: int, min_cohesion: float, depth: int
) -> list[np.ndarray]:
    groups: list[np.ndarray] = []
    for label in range(k):
        rows = np.flatnonzero(labels == label)
        if (
            k > 1
            and depth < MAX_REFINE_DEPTH
            and len(rows) >= MIN_REFINED
            and cohesion(vectors[rows]) < min_cohesion
        ):
            inner = bic_cut(np.asarray(vectors[rows], dtype=np.float64))
            groups += [
                rows[g] for g in _refined(vectors[rows], inner.labels, inner.k, min_cohesion, depth + 1)
            ]
        else:
            groups.append(rows)
    return groups


def cohesive_subtrees(data: np.ndarray, min_cohesion: float) -> list[np.ndarray]:
    """The highest subtrees of Ward's tree on ``data`` whose messages are as alike as a topic's.

    Each subtree's rows are one group (a leaf is a group of one).

    Alike is judged by the mean cosine between pairs of members, ``min_cohesion`` squared (what
    a large cluster of that cohesion has): cohesion itself flatters tiny groups (three unrelated
    messages, cosines near 0, have a cohesion of 1/sqrt(3) = 0.58), pairs do not.
    """
    if len(data) < 2:
        return [np.arange(len(data))]
    groups: list[np.ndarray] = []
    pending = [to_tree(linkage(data, method="ward"))]
    while pending:
        node = pending.pop()
        rows = np.asarray(sorted(node.pre_order()), dtype=np.int64)
        if node.is_leaf() or mean_pairwise_cosine(data[rows]) >= min_cohesion**2:
            groups.append(rows)
        else:
            pending += [node.get_right(), node.get_left()]
    return groups


def mean_pairwise_cosine(vectors: np.ndarray) -> float:
    """Mean cosine between distinct pairs of unit-length rows: |sum|^2 = n + n(n-1) * mean."""
    n = len(vectors)
    if n < 2:
        return 1.0
    total = float(np.square(vectors.sum(axis=0)).sum())
    return (total - n) / (n * (n - 1))


def cohesion(vectors: np.ndarray) -> float:
    """Mean cosine of unit-length rows to their centroid (1: identical; ~0: unrelated)."""
    direction = normalised(vectors.sum(axis=0, keepdims=True))[0]
    return float((vectors @ direction).mean())


def centroids_of(vectors: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Unit-length mean direction of each of the ``k`` clusters, shape (k, d)."""
    sums = np.zeros((k, vectors.shape[1]))
    np.add.at(sums, labels, vectors)
    return normalised(sums)


def normalised(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.where(norms == 0, 1, norms))
