"""Typed models of the store's data, validated on the way into and out of Redis."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from actions.handoff.hours import SupportHours

OrderStatus = Literal["processing", "shipped", "in_transit", "delivered", "cancelled", "returned"]
ShippingMethod = Literal["standard", "express", "international"]

_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Product(BaseModel):
    """One catalogue entry."""

    model_config = _STRICT

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1)
    price: float = Field(ge=0)
    stock: int = Field(ge=0)
    final_sale: bool = False
    attributes: dict[str, str] = Field(default_factory=dict)

    @property
    def in_stock(self) -> bool:
        """Whether at least one unit can be sold now."""
        return self.stock > 0


class Article(BaseModel):
    """One help-centre article."""

    model_config = _STRICT

    id: str = Field(min_length=1, max_length=120, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    body: str = Field(min_length=1)
    url: str = Field(min_length=1)

    @property
    def summary(self) -> str:
        """The first paragraph: what a chat answer quotes."""
        return self.body.strip().split("\n\n", 1)[0].strip()


class Customer(BaseModel):
    """A customer account."""

    model_config = _STRICT

    id: str = Field(min_length=1, max_length=64)
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    email: EmailStr
    country: str = Field(min_length=2, max_length=2)
    created_at: date

    @field_validator("email")
    @classmethod
    def _lowercase_email(cls, value: str) -> str:
        return value.lower()


class OrderItem(BaseModel):
    """One line of an order."""

    model_config = _STRICT

    product_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    category: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    unit_price: float = Field(ge=0)
    final_sale: bool = False


class Order(BaseModel):
    """An order with its items, shipping and status."""

    model_config = _STRICT

    id: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1)
    email: EmailStr
    status: OrderStatus
    placed_at: datetime
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    estimated_delivery: date | None = None
    shipping_method: ShippingMethod
    carrier: str | None = None
    tracking_number: str | None = None
    voucher_code: str | None = None
    items: list[OrderItem] = Field(min_length=1)
    shipping_cost: float = Field(ge=0)
    total: float = Field(ge=0)

    @field_validator("email")
    @classmethod
    def _lowercase_email(cls, value: str) -> str:
        return value.lower()


class StorePolicy(BaseModel):
    """The rules of the store that actions apply (return window and similar)."""

    model_config = _STRICT

    store_name: str = Field(min_length=1)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    return_window_days: int = Field(ge=0)
    help_centre_url: str = Field(min_length=1)
    non_returnable_categories: list[str] = Field(default_factory=list)
    refund_days: str = Field(min_length=1, description="e.g. '5-10 business days'")
    # When people answer the chat; a store without them is treated as always staffed.
    support_hours: SupportHours | None = None
