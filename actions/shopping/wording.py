"""The shopping replies' words, read from the domain's responses, and the product lines built with them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from actions.errors import ConfigError
from actions.knowledge.passages import price_text
from actions.shopping.request import ShoppingRequest
from actions.store.models import Product

# A product with this many units or fewer is shown as "only N left".
FEW_LEFT = 5
_PIECES = (
    "line", "line_detailed", "under", "over", "between", "in_colour", "in_size", "for_recipient",
    "for_interest", "in_stock", "few_left", "out_of_stock", "ideas",
)  # fmt: skip


class ShoppingWording(BaseModel):
    """The ``utter_shopping_*`` responses' texts, and the currency prices are shown in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pieces: dict[str, str]
    currency: str = "USD"

    @classmethod
    def from_domain(cls, domain: Mapping[str, Any], currency: str = "USD") -> ShoppingWording:
        """Read every piece; a missing one is a configuration error that names the response.

        Raises:
            ConfigError: A response is missing or has no text.

        """
        responses = domain.get("responses", {})
        pieces = {}
        for piece in _PIECES:
            name = f"utter_shopping_{piece}"
            variants = responses.get(name) or []
            text = variants[0].get("text") if variants and isinstance(variants[0], Mapping) else None
            if not isinstance(text, str) or not text:
                raise ConfigError(f"domain response {name!r} is missing or has no text")
            pieces[piece] = text
        return cls(pieces=pieces, currency=currency)

    def price(self, amount: float) -> str:
        """'$49.99'."""
        return price_text(amount, self.currency)

    def budget(self, amount: float) -> str:
        """'$100' for a round amount a customer named, '$49.99' otherwise."""
        return self.price(amount).removesuffix(".00")

    def stock(self, product: Product) -> str:
        """'in stock', 'only 3 left' or 'out of stock'."""
        if not product.in_stock:
            return self.pieces["out_of_stock"]
        if product.stock <= FEW_LEFT:
            return self.pieces["few_left"].format(count=product.stock)
        return self.pieces["in_stock"]

    def constraints(self, request: ShoppingRequest) -> str:
        """' in blue in size 10 under $100' (empty without filters)."""
        text = "".join(self.pieces["in_colour"].format(colour=c) for c in request.colours[:1])
        text += "".join(self.pieces["in_size"].format(size=s) for s in request.sizes[:1])
        low, high = request.price_min, request.price_max
        if low is not None and high is not None:
            text += self.pieces["between"].format(low=self.budget(low), high=self.budget(high))
        elif high is not None:
            text += self.pieces["under"].format(amount=self.budget(high))
        elif low is not None:
            text += self.pieces["over"].format(amount=self.budget(low))
        return text

    def ideas(self, request: ShoppingRequest) -> str:
        """'ideas for your dad': what an interest search is called in a reply."""
        return f"{self.pieces['ideas']}{self.for_whom(request)}"

    def for_whom(self, request: ShoppingRequest) -> str:
        """' for your dad', ' for someone who likes hiking' or ''."""
        if request.recipient:
            return self.pieces["for_recipient"].format(recipient=request.recipient)
        if request.interests:
            return self.pieces["for_interest"].format(interest=" and ".join(request.interests))
        return ""

    def lines(self, products: Sequence[Product], detailed: bool = False) -> str:
        """'1. Nexa Wireless Earbuds: $94.99, in stock', one line per product.

        With ``detailed``, each line also holds the product's description.
        """
        piece = self.pieces["line_detailed" if detailed else "line"]
        return "\n".join(
            piece.format(
                number=n,
                name=p.name,
                price=self.price(p.price),
                stock=self.stock(p),
                description=p.description,
            )
            for n, p in enumerate(products, start=1)
        )
