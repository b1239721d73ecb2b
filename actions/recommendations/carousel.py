"""Recommendations as a Rasa custom payload (a carousel) and as plain text.

The carousel is sent with ``dispatcher.utter_message(json_message=payload)``;
the widget renders it, and a channel without carousels gets ``render_text``.
Customer-facing words (button title, reason lines) come from domain responses
(``wording_from_domain``), not from this module. The format is documented in
``docs/recommendations.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired, TypedDict

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actions.errors import ConfigError
from actions.knowledge.passages import price_text
from actions.recommendations.models import REASON_CODES, ReasonCode, Recommendation

ASK_PRODUCT_INTENT = "ask_product"
PRODUCT_ENTITY = "product_id"
BUTTON_RESPONSE = "utter_recommendation_button"
REASON_RESPONSES: dict[ReasonCode, str] = {
    code: f"utter_recommendation_reason_{code}" for code in REASON_CODES
}


class CarouselButton(TypedDict):
    """A button: its title and the message Rasa receives when it is pressed."""

    title: str
    payload: str


class CarouselItem(TypedDict):
    """One card."""

    product_id: str
    title: str
    subtitle: str
    category: str
    price: float
    price_text: str
    reason: ReasonCode
    url: NotRequired[str]
    buttons: list[CarouselButton]


class CarouselPayload(TypedDict):
    """The custom payload: ``{"type": "carousel", "items": [...]}``."""

    type: Literal["carousel"]
    items: list[CarouselItem]


class CarouselWording(BaseModel):
    """The customer-facing words of a carousel, read from the domain's responses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    button_title: str = Field(min_length=1)
    reasons: dict[ReasonCode, str]
    currency: str = Field(default="USD", min_length=3, max_length=3)

    @model_validator(mode="after")
    def _every_reason_worded(self) -> CarouselWording:
        missing = [code for code in REASON_CODES if not self.reasons.get(code)]
        if missing:
            raise ValueError(f"no wording for reasons {missing}")
        return self


def _first_text(domain: Mapping[str, Any], name: str) -> str:
    variants = domain.get("responses", {}).get(name) or []
    text = variants[0].get("text") if variants and isinstance(variants[0], Mapping) else None
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"domain response {name!r} is missing or has no text")
    return text


def wording_from_domain(domain: Mapping[str, Any], currency: str = "USD") -> CarouselWording:
    """Read the carousel's words from the domain (``utter_recommendation_button``, one response per reason).

    Raises:
        ConfigError: A response is missing or has no text.

    """
    return CarouselWording(
        button_title=_first_text(domain, BUTTON_RESPONSE),
        reasons={code: _first_text(domain, name) for code, name in REASON_RESPONSES.items()},
        currency=currency,
    )


def ask_product_payload(product_id: str, intent: str = ASK_PRODUCT_INTENT) -> str:
    """Build the Rasa message a button sends: ``/ask_product{"product_id": "P0042"}``."""
    return f"/{intent}{json.dumps({PRODUCT_ENTITY: product_id})}"


def carousel_payload(
    recommendations: Sequence[Recommendation], wording: CarouselWording, intent: str = ASK_PRODUCT_INTENT
) -> CarouselPayload:
    """Build the custom payload for a carousel of the recommendations, in their order."""
    items: list[CarouselItem] = []
    for r in recommendations:
        item = CarouselItem(
            product_id=r.product_id,
            title=r.name,
            subtitle=r.note or wording.reasons[r.reason],
            category=r.category,
            price=r.price,
            price_text=price_text(r.price, wording.currency),
            reason=r.reason,
            buttons=[
                CarouselButton(title=wording.button_title, payload=ask_product_payload(r.product_id, intent))
            ],
        )
        if r.url:
            item["url"] = r.url
        items.append(item)
    return CarouselPayload(type="carousel", items=items)


def render_text(recommendations: Sequence[Recommendation], wording: CarouselWording) -> str:
    """Numbered lines for channels without carousels: ``1. Name (Category), $49.99: reason``."""
    lines = []
    for number, r in enumerate(recommendations, start=1):
        price = price_text(r.price, wording.currency)
        line = f"{number}. {r.name} ({r.category}), {price}: {r.note or wording.reasons[r.reason]}"
        lines.append(f"{line} {r.url}" if r.url else line)
    return "\n".join(lines)
