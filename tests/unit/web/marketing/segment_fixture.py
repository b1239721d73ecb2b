"""A hand-made segmentation run: three segments and eight profiles, written with the real writer."""

from __future__ import annotations

from datetime import UTC, datetime

from redis import Redis as SyncRedis

from actions.keys import Keys
from actions.segments.features import NUMERIC_FEATURES, CustomerFeatures
from actions.segments.models import CustomerProfile, Segment, SegmentModel
from actions.segments.storage import write_segmentation

VERSION = "run-1"
LABELS = ("rarely uses vouchers", "frequent, high-value, recently active", "never bought")
SIZES = (4, 3, 2)
# customer id, segment, lifetime spend (monetary), tenure in days
PROFILES = (
    ("C1", 0, 600.0, 100.0),
    ("C2", 0, 400.0, 100.0),
    ("C3", 0, 900.0, 500.0),
    ("C4", 1, 1200.0, 30.9),
    ("C5", 1, 500.0, 400.7),  # tenure 400 once truncated, as the action server reads it
    ("C6", 1, 499.99, 10.0),
    ("C7", 2, 0.0, 20.0),
    ("C8", 2, 0.0, 900.0),
)


def _features(monetary: float, tenure: float) -> CustomerFeatures:
    return CustomerFeatures(
        recency_days=10.0 if monetary else None,
        frequency=3 if monetary else 0,
        monetary=monetary,
        avg_order_value=monetary / 3,
        discount_share=0.0,
        tenure_days=tenure,
        return_rate=0.0,
    )


def write_fixture(redis: SyncRedis, keys: Keys) -> None:
    width = len(NUMERIC_FEATURES)
    model = SegmentModel(
        version=VERSION,
        created_at=datetime(2026, 11, 20, 6, 0, tzinfo=UTC),
        categories=[],
        feature_names=list(NUMERIC_FEATURES),
        log_features=["frequency", "monetary"],
        mean=[0.0] * width,
        scale=[1.0] * width,
        weights=[1.0] * width,
        centroids=[[float(k)] * width for k in range(len(LABELS))],
    )
    segments = [
        Segment(
            id=k,
            label=label,
            traits=label.split(", "),
            size=SIZES[k],
            share=SIZES[k] / sum(SIZES),
            centroid={},
            model_version=VERSION,
        )
        for k, label in enumerate(LABELS)
    ]
    profiles = [
        CustomerProfile(
            customer_id=customer,
            segment_id=segment,
            segment_label=LABELS[segment],
            features=_features(monetary, tenure),
            computed_at=datetime(2026, 11, 20, 6, 0),
            model_version=VERSION,
        )
        for customer, segment, monetary, tenure in PROFILES
    ]
    write_segmentation(redis, keys, model, segments, profiles)
