"""Ward's tree cut at the lowest vMF-mixture BIC: the number of clusters is found, not given."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from actions.insights.clustering import cluster, cohesion, normalised, vmf_bic_curve


def _sphere_blobs(
    groups: int, per_group: int, spread: float = 0.45, seed: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = normalised(rng.normal(size=(groups, 384)))
    labels = np.repeat(np.arange(groups), per_group)
    noise = rng.normal(scale=spread / np.sqrt(384), size=(len(labels), 384))
    return normalised(centres[labels] + noise), labels


@pytest.mark.parametrize(("groups", "per_group"), [(3, 30), (8, 15), (20, 12)])
def test_the_number_of_clusters_is_found(groups: int, per_group: int) -> None:
    vectors, truth = _sphere_blobs(groups, per_group)
    found = cluster(vectors)
    assert found.k == groups
    # Every cluster holds exactly one blob.
    for label in range(found.k):
        assert len(set(truth[found.labels == label])) == 1


def test_bic_is_lowest_at_the_true_number() -> None:
    vectors, _ = _sphere_blobs(6, 20)
    bic = vmf_bic_curve(vectors, linkage(vectors, method="ward"))
    assert int(np.argmin(bic[:60])) + 1 == 6
    assert bic[5] < bic[4] and bic[5] < bic[6]


def test_above_the_cap_a_sample_is_clustered_and_the_rest_join_it() -> None:
    vectors, truth = _sphere_blobs(5, 40)
    found = cluster(vectors, max_clustered=60)
    assert found.k == 5 and len(found.labels) == 200
    for label in range(found.k):
        assert len(set(truth[found.labels == label])) == 1


def test_tiny_inputs() -> None:
    assert cluster(np.zeros((0, 384))).k == 0
    assert list(cluster(normalised(np.ones((2, 384)))).labels) == [0, 0]


def test_cohesion_is_the_mean_cosine_to_the_centroid() -> None:
    same = normalised(np.ones((4, 384)))
    assert cohesion(same) == pytest.approx(1.0)
    opposite = np.vstack([np.eye(384)[0], np.eye(384)[1]])
    assert cohesion(opposite) == pytest.approx(np.sqrt(0.5))


def test_a_small_run_of_mixed_subjects_still_yields_its_one_repeated_subject() -> None:
    # 60 unrelated messages and one subject asked 4 times: too few per subject for BIC to pay for
    # a second cluster, so it keeps one loose cluster; the tree below it still holds the subject.
    rng = np.random.default_rng(11)
    unrelated = normalised(rng.normal(size=(60, 384)))
    centre = normalised(rng.normal(size=(1, 384)))
    repeated = normalised(centre + rng.normal(scale=0.3 / np.sqrt(384), size=(4, 384)))
    vectors = np.vstack([unrelated, repeated])
    assert int(np.argmin(vmf_bic_curve(vectors, linkage(vectors, method="ward"))[:32])) == 0

    found = cluster(vectors)
    (subject,) = [
        label
        for label in range(found.k)
        if cohesion(vectors[found.labels == label]) >= 0.6 and (found.labels == label).sum() >= 3
    ]
    assert set(np.flatnonzero(found.labels == subject)) == {60, 61, 62, 63}
