"""What an offer decision returns, and the settings it runs with."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from actions.emotion.behaviour import UPSELL_SENTIMENT_LIMIT
from actions.keys import OFFER_EVENTS_STREAM_MAXLEN

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class OfferSettings(BaseModel):
    """Tunables of the offer engine; the defaults are what the action server uses."""

    model_config = _FROZEN

    sentiment_limit: float = Field(
        default=UPSELL_SENTIMENT_LIMIT,
        ge=-1,
        le=1,
        description="sentiment at or below which only service-recovery offers are made",
    )
    bandit_by_segment: bool = Field(default=True, description="Thompson sampling learns per customer segment")
    events_maxlen: int = Field(default=OFFER_EVENTS_STREAM_MAXLEN, ge=1000)


class Offer(BaseModel):
    """The offer to show: the chosen variant's content, verbatim."""

    model_config = _FROZEN

    rule_id: str
    rule_name: str
    kind: Literal["upsell", "service_recovery"]
    variant_id: str
    message: str
    discount_code: str | None = None
    product_ids: list[str] = Field(default_factory=list)


class OfferExposure(BaseModel):
    """What identifies one exposure; keep it (e.g. in a slot) to record a click or an acceptance."""

    model_config = _FROZEN

    rule_id: str
    kind: Literal["upsell", "service_recovery"]
    variant_id: str = Field(description="'' for a control hold")
    conversation_id: str
    customer_id: str | None
    segment: str | None
    version: int
    event_id: str = Field(default="", description="the exposure's stream entry id, when known")

    @property
    def control(self) -> bool:
        """True when the customer was held out and shown nothing."""
        return self.variant_id == ""


class OfferDecision(BaseModel):
    """The outcome of one decision.

    ``offer``: show ``offer``. ``control``: the customer fell in a rule's control
    group; show nothing (the hold is logged). ``none``: no rule applied or every
    applicable rule was capped; ``skipped`` says why, rule by rule.
    """

    model_config = _FROZEN

    outcome: Literal["offer", "control", "none"]
    offer: Offer | None = None
    exposure: OfferExposure | None = None
    unhappy: bool = Field(description="upsells were suppressed: only service recovery was eligible")
    version: int = Field(description="rule-set version used (0: no rules saved yet)")
    skipped: dict[str, str] = Field(default_factory=dict, description="rule id -> failed condition or cap")
