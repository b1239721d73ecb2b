"""Typed records of segmentation, as stored in Redis: profiles, segments and the assignment model."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from actions.segments.features import CustomerFeatures, raw_vector

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class CustomerProfile(BaseModel):
    """A customer's segment and the features it was chosen from."""

    model_config = _FROZEN

    customer_id: str = Field(min_length=1)
    segment_id: int = Field(ge=0)
    segment_label: str = Field(min_length=1)
    features: CustomerFeatures
    top_categories: list[str] = Field(default_factory=list)
    purchased_product_ids: list[str] = Field(
        default_factory=list, description="Products in the customer's purchases when computed."
    )
    computed_at: datetime
    model_version: str = Field(min_length=1)


class Segment(BaseModel):
    """One segment: who is in it, described in a marketer's words."""

    model_config = _FROZEN

    id: int = Field(ge=0)
    label: str = Field(min_length=1)
    traits: list[str] = Field(default_factory=list, description="The label's words, most distinctive first.")
    size: int = Field(ge=0)
    share: float = Field(ge=0, le=1, description="Share of all customers.")
    centroid: dict[str, float] = Field(description="Mean of the members' features, in plain units.")
    top_categories: list[str] = Field(default_factory=list)
    best_sellers: list[str] = Field(
        default_factory=list, description="Product ids the members bought most, best first."
    )
    model_version: str = Field(min_length=1)


class SegmentModel(BaseModel):
    """What assigns a customer to the nearest segment without re-clustering.

    Raw features (``features.raw_vector``) go through log1p on ``log_features``,
    standard scaling (``mean``, ``scale``) and per-column ``weights``; the
    segment is the nearest of ``centroids`` in that space.
    """

    model_config = _FROZEN

    version: str = Field(min_length=1)
    created_at: datetime
    categories: list[str]
    feature_names: list[str]
    log_features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    centroids: list[list[float]] = Field(min_length=1)
    silhouette_by_k: dict[int, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shapes_agree(self) -> SegmentModel:
        width = len(self.feature_names)
        if not (len(self.mean) == len(self.scale) == len(self.weights) == width):
            raise ValueError("mean, scale and weights need one value per feature")
        if any(len(centroid) != width for centroid in self.centroids):
            raise ValueError("every centroid needs one value per feature")
        if any(scale <= 0 for scale in self.scale):
            raise ValueError("scales must be positive")
        unknown = set(self.log_features) - set(self.feature_names)
        if unknown:
            raise ValueError(f"log_features not among feature_names: {sorted(unknown)}")
        return self

    @property
    def k(self) -> int:
        """Number of segments."""
        return len(self.centroids)

    def transform(self, raw: np.ndarray) -> np.ndarray:
        """Raw feature rows (n, d) into the space the centroids live in."""
        values = np.array(raw, dtype=np.float64, ndmin=2)
        logged = np.array([name in self.log_features for name in self.feature_names])
        values[:, logged] = np.log1p(np.maximum(values[:, logged], 0.0))
        scaled = (values - np.array(self.mean)) / np.array(self.scale) * np.array(self.weights)
        return np.asarray(scaled, dtype=np.float64)

    def nearest(self, raw: np.ndarray) -> np.ndarray:
        """Index of the nearest centroid for each raw feature row."""
        points = self.transform(raw)
        centroids = np.array(self.centroids)
        distances = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        return np.asarray(distances.argmin(axis=1))

    def assign(self, features: CustomerFeatures) -> int:
        """Return the segment id nearest to one customer's features."""
        return int(self.nearest(raw_vector(features, self.categories)[None, :])[0])
