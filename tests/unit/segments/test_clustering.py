"""K chosen by silhouette, labels in words, and assignment of new customers without re-clustering."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import numpy as np
import pytest

from actions.errors import StoreDataError
from actions.segments import clustering
from actions.segments.clustering import fit_segments
from actions.segments.features import customer_features, feature_names
from actions.segments.labels import describe_segments, percentile
from actions.segments.models import SegmentModel
from jobs.segmentation import segment_store
from tests.unit.segments.tiny_store import NOW, clustered_store, customer, order

CATEGORIES = ["Books", "Electronics"]


def _blobs(centres: list[list[float]], per_blob: int = 40, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = [
        np.array(c) + rng.normal(0, 0.02, size=(per_blob, len(c))) * np.maximum(np.abs(c), 1) for c in centres
    ]
    return np.abs(np.vstack(rows))


# recency, frequency, monetary, aov, discount, tenure, returns, affinity Books, affinity Electronics
CENTRES = [
    [5, 30, 6000, 200, 0.0, 900, 0.0, 0.0, 1.0],
    [200, 2, 60, 30, 0.9, 300, 0.1, 1.0, 0.0],
    [60, 8, 800, 100, 0.2, 600, 0.0, 0.5, 0.5],
    [700, 0, 0, 0, 0.0, 700, 0.0, 0.0, 0.0],
]


@pytest.mark.parametrize("groups", [2, 3, 4])
def test_k_is_chosen_by_silhouette_on_obvious_clusters(groups: int) -> None:
    raw = _blobs(CENTRES[:groups])
    result = fit_segments(raw, CATEGORIES, NOW, k_range=(2, 6))
    assert result.chosen_k == groups
    assert set(result.silhouette_by_k) == {2, 3, 4, 5, 6}
    assert max(result.silhouette_by_k, key=lambda k: result.silhouette_by_k[k]) == groups
    # Each blob is one segment and segments are numbered by size.
    for blob in range(groups):
        assert len(set(result.assignments[blob * 40 : (blob + 1) * 40])) == 1
    sizes = np.bincount(result.assignments)
    assert list(sizes) == sorted(sizes, reverse=True)


def test_the_run_is_deterministic() -> None:
    raw = _blobs(CENTRES)
    a = fit_segments(raw, CATEGORIES, NOW, k_range=(2, 6))
    b = fit_segments(raw, CATEGORIES, NOW, k_range=(2, 6))
    assert a.model.version == b.model.version
    assert (a.assignments == b.assignments).all()


def test_too_few_customers_is_a_data_error() -> None:
    raw = _blobs(CENTRES[:1], per_blob=1)
    with pytest.raises(StoreDataError):
        fit_segments(raw, CATEGORIES, NOW, k_range=(3, 8))


def test_a_new_customer_goes_to_the_nearest_segment_without_re_clustering() -> None:
    raw = _blobs(CENTRES)
    result = fit_segments(raw, CATEGORIES, NOW, k_range=(2, 6))
    stored = SegmentModel.model_validate_json(result.model.model_dump_json())
    # Members are assigned to their own segment by the stored model alone.
    assert (stored.nearest(raw) == result.assignments).all()
    electronics_regulars = int(result.assignments[0])
    new = np.array([[4, 25, 5000, 190, 0.0, 850, 0.0, 0.0, 1.0]])
    with mock.patch.object(clustering, "KMeans", side_effect=AssertionError("re-clustered")):
        assert int(stored.nearest(new)[0]) == electronics_regulars


def test_a_model_with_mismatched_shapes_is_refused() -> None:
    model = fit_segments(_blobs(CENTRES), CATEGORIES, NOW, k_range=(2, 4)).model
    data = model.model_dump()
    data["centroids"] = [row[:-1] for row in data["centroids"]]
    with pytest.raises(ValueError, match="centroid"):
        SegmentModel.model_validate(data)


def test_percentile_counts_ties_half() -> None:
    population = np.array([0.0, 0.0, 1.0, 2.0])
    assert percentile(population, 0.0) == pytest.approx(0.25)
    assert percentile(population, 5.0) == 1.0
    assert percentile(population, -1.0) == 0.0


def test_labels_say_what_sets_a_segment_apart_in_words() -> None:
    raw = _blobs(CENTRES)
    result = fit_segments(raw, CATEGORIES, NOW, k_range=(4, 4))
    descriptions = describe_segments(raw, result.assignments, CATEGORIES, 4)
    by_blob = [descriptions[int(result.assignments[blob * 40])] for blob in range(4)]
    regulars, bargain_readers, middle, sleepers = by_blob
    assert regulars.label.startswith("frequent, ")
    assert regulars.label.endswith("electronics, rarely uses vouchers")
    assert regulars.top_categories == ["Electronics"]
    assert "voucher-driven" in bargain_readers.label and "books" in bargain_readers.label
    assert sleepers.label == "never bought"
    assert "electronics" not in middle.label
    assert len({d.label for d in descriptions}) == 4
    assert regulars.centroid["frequency"] == pytest.approx(30, rel=0.1)


def test_segmenting_a_small_store_gives_profiles_and_best_sellers() -> None:
    records = clustered_store()
    # Identical customers within a group would make any finer split score best: k is fixed here.
    result = segment_store(records, NOW, k_range=(3, 3))
    assert result.model.k == 3
    labels = {p.customer_id[0]: p.segment_label for p in result.profiles}
    assert labels["N"] == "never bought, new"  # they signed up three months ago
    assert labels["E"].startswith("high-value, electronics")
    assert labels["B"] == "occasional, low-spend, small baskets, books"
    segment_of = {p.customer_id: p.segment_id for p in result.profiles}
    electronics = result.segments[segment_of["E00"]]
    assert electronics.size == 12
    assert electronics.best_sellers[0] == "E2"  # every electronics order has the speaker
    assert set(electronics.best_sellers) == {"E1", "E2", "E4"}
    first = next(p for p in result.profiles if p.customer_id == "E00")
    assert first.purchased_product_ids == ["E1", "E2", "E4"]
    assert first.top_categories == ["Electronics"]
    names = feature_names(result.model.categories)
    assert result.model.feature_names == names


def test_a_newcomer_like_the_electronics_regulars_joins_them() -> None:
    records = clustered_store()
    result = segment_store(records, NOW, k_range=(3, 3))
    orders = [
        order(str(9000 + j), "X1", [("E1", 1), ("E2", 1)], NOW - timedelta(days=2 + 5 * j)) for j in range(9)
    ]
    features = customer_features(customer("X1", date(2023, 3, 1)), orders, NOW)
    segment_of = {p.customer_id: p.segment_id for p in result.profiles}
    assert result.model.assign(features) == segment_of["E05"]
    shopper = customer_features(customer("X2", date(2026, 2, 1)), [], NOW)
    assert result.model.assign(shopper) == segment_of["N05"]
