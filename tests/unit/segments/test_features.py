"""Per-customer features on a tiny hand-made store with known values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from actions.segments.features import customer_features, feature_names, raw_vector, store_features
from tests.unit.segments.tiny_store import NOW, customer, order


def test_features_of_a_known_history() -> None:
    ann = customer("C1", date(2025, 6, 1))
    orders = [
        # 100 electronics + 50 books, with a voucher, 10 days ago.
        order("1", "C1", [("E1", 1), ("B1", 2)], NOW - timedelta(days=10), voucher="SAVE10", total=150.0),
        # 50 books, returned, 40 days ago: counts as a purchase, not as money kept.
        order("2", "C1", [("B1", 2)], NOW - timedelta(days=40), status="returned", total=50.0),
        # Cancelled: not a purchase at all, but a return/cancel in the rate.
        order("3", "C1", [("E3", 1)], NOW - timedelta(days=5), status="cancelled", total=199.0),
        # Someone else's order is ignored.
        order("4", "C2", [("G1", 1)], NOW - timedelta(days=1)),
    ]
    features = customer_features(ann, orders, NOW)
    assert features.recency_days == pytest.approx(10.0)
    assert features.frequency == 2
    assert features.monetary == pytest.approx(150.0)
    assert features.avg_order_value == pytest.approx(100.0)
    assert features.discount_share == pytest.approx(0.5)
    assert features.tenure_days == pytest.approx((NOW - datetime(2025, 6, 1)).total_seconds() / 86400)
    assert features.return_rate == pytest.approx(2 / 3, abs=1e-4)
    # Item spend: E1 99, B1 2 x 25 twice = 100 -> 99 / 199 electronics.
    assert features.category_affinity == {
        "Books": pytest.approx(100 / 199, abs=1e-4),
        "Electronics": pytest.approx(99 / 199, abs=1e-4),
    }
    assert features.top_categories() == ["Books", "Electronics"]


def test_a_customer_without_orders_has_no_recency_and_zero_activity() -> None:
    features = customer_features(customer("C9", date(2026, 5, 1)), [], NOW)
    assert features.recency_days is None
    assert (features.frequency, features.monetary, features.avg_order_value) == (0, 0.0, 0.0)
    assert features.category_affinity == {}
    assert features.tenure_days == pytest.approx(31.5)
    # In the matrix, never buying counts as not buying since sign-up.
    vector = raw_vector(features, ["Books"])
    assert vector[0] == pytest.approx(31.5)


def test_aware_and_naive_times_agree() -> None:
    placed = NOW - timedelta(days=2)
    a = customer_features(customer("C1"), [order("1", "C1", [("E1", 1)], placed)], NOW.replace(tzinfo=UTC))
    b = customer_features(customer("C1"), [order("1", "C1", [("E1", 1)], placed.replace(tzinfo=UTC))], NOW)
    assert a.recency_days == b.recency_days == pytest.approx(2.0)


def test_store_features_cover_every_customer_and_the_matrix_follows_feature_names() -> None:
    customers = [customer("C1"), customer("C2")]
    features = store_features(customers, [order("1", "C2", [("G1", 2)], NOW - timedelta(days=1))], NOW)
    assert set(features) == {"C1", "C2"}
    names = feature_names(["Garden"])
    vector = raw_vector(features["C2"], ["Garden"])
    assert vector[names.index("frequency")] == 1
    assert vector[names.index("monetary")] == pytest.approx(58.0)
    assert vector[names.index("affinity:Garden")] == 1.0
    assert np.isfinite(vector).all()
