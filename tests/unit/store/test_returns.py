from datetime import date, datetime, timedelta

import pytest

from actions.store.models import Order, OrderItem, StorePolicy
from actions.store.returns import assess_return

POLICY = StorePolicy(
    store_name="Test",
    return_window_days=30,
    help_centre_url="https://help.test/",
    refund_days="5-10 business days",
)
TODAY = date(2026, 11, 24)


def _order(
    status: str, delivered_days_ago: int | None = None, final_sale: tuple[bool, ...] = (False,)
) -> Order:
    delivered = (
        datetime(2026, 11, 24, 12) - timedelta(days=delivered_days_ago)
        if delivered_days_ago is not None
        else None
    )
    return Order(
        id="104233", customer_id="C1", email="a@example.com", status=status,
        placed_at=datetime(2026, 9, 1), delivered_at=delivered, shipping_method="standard",
        items=[OrderItem(product_id=f"P{i}", name=f"Item {i}", category="Books", quantity=1, unit_price=10,
                         final_sale=fs) for i, fs in enumerate(final_sale)],
        shipping_cost=0, total=10,
    )  # fmt: skip


def test_delivered_inside_window_is_eligible_with_deadline() -> None:
    result = assess_return(_order("delivered", delivered_days_ago=10), POLICY, TODAY)
    assert result.verdict == "eligible"
    assert result.deadline == date(2026, 12, 14)


def test_last_day_of_window_is_still_eligible() -> None:
    assert assess_return(_order("delivered", delivered_days_ago=30), POLICY, TODAY).verdict == "eligible"


def test_window_closed_one_day_later() -> None:
    result = assess_return(_order("delivered", delivered_days_ago=31), POLICY, TODAY)
    assert result.verdict == "window_closed"
    assert result.deadline == date(2026, 11, 23)


@pytest.mark.parametrize("status", ["processing", "shipped", "in_transit"])
def test_not_delivered_yet(status: str) -> None:
    assert assess_return(_order(status), POLICY, TODAY).verdict == "not_delivered"


def test_final_sale_items_are_excluded() -> None:
    result = assess_return(_order("delivered", 5, final_sale=(True, False)), POLICY, TODAY)
    assert result.verdict == "eligible"
    assert [i.name for i in result.excluded] == ["Item 0"]
    assert [i.name for i in result.returnable] == ["Item 1"]


def test_only_final_sale_items_means_nothing_returnable() -> None:
    assert (
        assess_return(_order("delivered", 5, final_sale=(True,)), POLICY, TODAY).verdict
        == "nothing_returnable"
    )


def test_cancelled_and_returned_orders() -> None:
    assert assess_return(_order("cancelled"), POLICY, TODAY).verdict == "cancelled"
    assert assess_return(_order("returned", 40), POLICY, TODAY).verdict == "already_returned"


def test_excluded_category_from_policy() -> None:
    policy = POLICY.model_copy(update={"non_returnable_categories": ["Books"]})
    assert assess_return(_order("delivered", 5), policy, TODAY).verdict == "nothing_returnable"


def test_undelivered_order_of_only_final_sale_items_is_not_promised_a_return() -> None:
    assert (
        assess_return(_order("in_transit", final_sale=(True,)), POLICY, TODAY).verdict == "nothing_returnable"
    )
