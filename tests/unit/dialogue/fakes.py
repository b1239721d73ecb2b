"""Fakes for testing one action module at a time (no Redis)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Tracker

from actions.errors import StoreUnavailable
from actions.services import Services
from actions.settings import Settings
from actions.store.models import Order, OrderItem, StorePolicy

POLICY = StorePolicy(
    store_name="Test",
    return_window_days=30,
    help_centre_url="https://help.test/",
    refund_days="5-10 business days",
)


def make_order(order_id: str = "104233", email: str = "sam@example.com", status: str = "in_transit",
               **extra: Any) -> Order:  # fmt: skip
    data: dict[str, Any] = {
        "id": order_id, "customer_id": "C1", "email": email, "status": status,
        "placed_at": datetime(2026, 11, 20, 9), "shipped_at": datetime(2026, 11, 21, 9),
        "estimated_delivery": "2026-11-25", "shipping_method": "standard", "carrier": "UPS",
        "tracking_number": "1ZABC1230312345678",
        "items": [OrderItem(product_id="P1", name="Trail Shoe", category="Shoes", quantity=2, unit_price=90)],
        "shipping_cost": 0, "total": 180,
    }  # fmt: skip
    data.update(extra)
    return Order.model_validate(data)


class FakeStore:
    def __init__(self, orders: list[Order] | None = None, down: bool = False) -> None:
        self.orders = {o.id: o for o in orders or []}
        self.down = down

    async def find_order(self, order_id: str, email: str) -> Order | None:
        if self.down:
            raise StoreUnavailable("Redis did not answer")
        order = self.orders.get(order_id)
        return order if order and order.email == email.strip().lower() else None

    async def policy(self) -> StorePolicy:
        return POLICY


class FakeLookupLimits:
    """Failures per e-mail and order number in memory (the Redis one: tests/unit/store)."""

    def __init__(self, max_failures: int = 3) -> None:
        self.failures: dict[str, int] = {}
        self.max_failures = max_failures

    async def refused(self, order_id: str, email: str) -> bool:
        return any(self.failures.get(v, 0) >= self.max_failures for v in (order_id, email.strip().lower()))

    async def record_failure(self, order_id: str, email: str) -> None:
        for value in (order_id, email.strip().lower()):
            self.failures[value] = self.failures.get(value, 0) + 1

    async def record_success(self, email: str) -> None:
        self.failures.pop(email.strip().lower(), None)


async def _not_linked(customer_id: str, conversation_id: str) -> bool:
    return False  # these tests have no Redis; tests/unit/privacy covers the index


def services_with(**fakes: Any) -> Services:
    services = Services(Settings())
    fakes.setdefault("lookup_limits", FakeLookupLimits())
    fakes.setdefault("link_conversation", _not_linked)
    if "emotion" in fakes:  # a property over the cached `_emotion`
        fakes["_emotion"] = fakes.pop("emotion")
    services.__dict__.update(fakes)  # cached_property reads the instance dict first
    return services


def tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    events: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    return Tracker(
        sender_id="conv-1",
        slots=slots or {},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": [],
            "metadata": metadata or {},
        },  # fmt: skip
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
