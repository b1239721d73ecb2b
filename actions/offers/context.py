"""What an offer decision knows about the conversation, and when upselling must wait."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from actions.emotion.behaviour import UPSELL_SENTIMENT_LIMIT

# Ekman emotions (the ``emotion`` slot) for which an upsell is tone-deaf: only a
# service-recovery offer (an apology, a voucher) may be made.
SUPPRESSING_EMOTIONS: frozenset[str] = frozenset({"anger", "disgust", "fear", "sadness"})


class OfferContext(BaseModel):
    """One conversation turn, as the offer rules see it; read from slots and the profile once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conversation_id: str = Field(min_length=1)
    customer_id: str | None = Field(default=None, description="None for an anonymous visitor")
    segment: str | None = Field(default=None, description="segment id, e.g. '2'")
    segment_label: str | None = Field(default=None, description="e.g. 'High-value regulars'")
    intent: str | None = None
    topic: str | None = Field(default=None, description="e.g. a product category or help-centre topic")
    product_ids: tuple[str, ...] = Field(
        default=(), description="products the customer is looking at this turn"
    )
    emotion: str | None = Field(default=None, description="dominant Ekman emotion, e.g. joy, anger, neutral")
    sentiment: float = Field(default=0.0, ge=-1, le=1, description="VADER compound score")
    upsell_allowed: bool = True
    in_complaint: bool = False
    customer_value: float | None = Field(default=None, ge=0, description="lifetime spend")
    tenure_days: int | None = Field(default=None, ge=0, description="days since the account was opened")
    cart_value: float | None = Field(default=None, ge=0)
    order_value: float | None = Field(default=None, ge=0, description="value of the order being discussed")
    channel: str | None = Field(default=None, description="Rasa input channel, e.g. socketio, rest")
    now: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def signed_in(self) -> bool:
        """Whether the customer is known (not an anonymous visitor)."""
        return self.customer_id is not None

    @property
    def subject(self) -> str:
        """Who caps and control groups count: the customer, else the anonymous conversation."""
        return f"customer:{self.customer_id}" if self.customer_id else f"conversation:{self.conversation_id}"


def is_unhappy(context: OfferContext, sentiment_limit: float = UPSELL_SENTIMENT_LIMIT) -> bool:
    """Tell whether only service-recovery offers may be made.

    That is when the emotion step forbade upselling, the conversation is a
    complaint, the dominant emotion is anger, disgust, fear or sadness, or the
    sentiment is at or below the same limit the emotion step uses.
    """
    return (
        not context.upsell_allowed
        or context.in_complaint
        or (context.emotion or "").lower() in SUPPRESSING_EMOTIONS
        or context.sentiment <= sentiment_limit
    )
