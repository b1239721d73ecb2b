"""Typed recommendations, as they leave the recommender."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Why a product was picked: the signal that contributed most to its score.
ReasonCode = Literal["similar", "your_categories", "popular_in_segment", "popular", "bought_together"]
REASON_CODES: tuple[ReasonCode, ...] = (
    "similar", "your_categories", "popular_in_segment", "popular", "bought_together",
)  # fmt: skip


class Recommendation(BaseModel):
    """One product to suggest, with why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_id: str
    name: str
    price: float = Field(ge=0)
    category: str
    reason: ReasonCode
    score: float = Field(description="Blended score, for ordering and logs; not shown to customers.")
    url: str | None = None
    note: str | None = Field(
        default=None, description="shown instead of the reason, e.g. the stock of a search result"
    )
