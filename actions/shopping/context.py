"""The shopping conversation so far: the last request, what was shown, the product in focus.

Kept in the ``shopping`` slot, so that a follow-up ("something cheaper", "in blue",
"show me more", "the second one", "is it waterproof?") works on the last results.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from actions.shopping.request import ShoppingRequest

SLOT = "shopping"
Refinement = Literal["cheaper", "dearer", "more", "in_stock"]

_CHEAPER = re.compile(
    r"\b(cheaper|cheeper|cheep|cheap ones?|less expensive|lower price|more affordable|"
    r"too (?:expensive|pricey|much)|bit much|for less|costs? less|cheaper ones?)\b",
    re.I,
)
_DEARER = re.compile(r"\b(more expensive|pricier|higher end|better ones?|fancier|premium ones?)\b", re.I)
_MORE = re.compile(
    r"\b(show me more|more options|other options|any others|anything else|what else|something else|"
    r"more of them|other ones|others|see more|more please|next ones?|more ideas|other ideas)\b",
    re.I,
)
_IN_STOCK = re.compile(
    r"\b(actually order|in stock ones?|available (?:now|today)|can i (?:actually )?(?:buy|order|get))\b", re.I
)


class ShoppingContext(BaseModel):
    """The last search and its results."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request: ShoppingRequest
    shown: tuple[str, ...] = Field(default=(), description="product ids of the last list, in order")
    seen: tuple[str, ...] = Field(default=(), description="every product id shown for this request")
    focus: str | None = Field(default=None, description="the product the customer is talking about")

    @classmethod
    def from_slot(cls, value: Any) -> ShoppingContext | None:
        """The context in the slot; None when empty or unreadable (an old format is forgotten, not fatal)."""
        if not isinstance(value, dict):
            return None
        try:
            return cls.model_validate(value)
        except ValidationError:
            return None

    def to_slot(self) -> dict[str, Any]:
        """The slot value."""
        return self.model_dump(mode="json")


def refinement(text: str) -> Refinement | None:
    """What a follow-up asks of the last results, if it is one of the common refinements."""
    if _CHEAPER.search(text):
        return "cheaper"
    if _DEARER.search(text):
        return "dearer"
    if _MORE.search(text):
        return "more"
    if _IN_STOCK.search(text):
        return "in_stock"
    return None


def refine(
    previous: ShoppingRequest, new: ShoppingRequest, how: Refinement | None, shown_prices: list[float]
) -> ShoppingRequest:
    """The last request narrowed by the new message's filters (and by "cheaper", "in stock" and the like)."""
    update: dict[str, Any] = {"text": new.text}
    if new.price_min is not None or new.price_max is not None:
        update |= {"price_min": new.price_min, "price_max": new.price_max}
    if new.colours:
        update["colours"] = new.colours
    if new.sizes:
        update["sizes"] = new.sizes
    if new.numbers:
        update["numbers"] = new.numbers
    if new.words:
        update["words"] = tuple(dict.fromkeys((*new.words, *previous.words)))
    if new.interests:
        update["interests"] = tuple(dict.fromkeys((*previous.interests, *new.interests)))
    if new.order:
        update["order"] = new.order
    if new.excluded:
        update["excluded"] = tuple(dict.fromkeys((*previous.excluded, *new.excluded)))
    if how == "cheaper" and shown_prices and new.price_max is None:
        update["price_max"] = round(min(shown_prices) - 0.01, 2)
    elif how == "dearer" and shown_prices:
        update["price_min"] = round(max(shown_prices) + 0.01, 2)
    if how == "in_stock":
        update["include_out_of_stock"] = False
    elif new.include_out_of_stock:
        update["include_out_of_stock"] = True
    return previous.model_copy(update=update)
