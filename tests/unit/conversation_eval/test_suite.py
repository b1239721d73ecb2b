"""The conversation suite's format, roles and checks (no server)."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from actions.store.models import Order, OrderItem, Product, StorePolicy
from conversation_eval.roles import RoleNotFound, StoreRoles, fill
from conversation_eval.runner import check_turn, reply_text
from conversation_eval.suite import SuiteError, Turn, load_suite

POLICY = StorePolicy(
    store_name="Test", return_window_days=30, help_centre_url="https://help.test/", refund_days="5-10 days"
)
TODAY = date(2026, 12, 2)


def _order(order_id: str, status: str, delivered_days_ago: int | None = None) -> Order:
    delivered = (
        datetime(2026, 12, 2, 12) - timedelta(days=delivered_days_ago)
        if delivered_days_ago is not None
        else None
    )
    return Order(
        id=order_id, customer_id="C1", email=f"c{order_id}@example.com", status=status,  # type: ignore[arg-type]
        placed_at=datetime(2026, 11, 1), delivered_at=delivered, shipping_method="standard", carrier="UPS",
        tracking_number=f"1Z{order_id}" if status != "processing" else None,
        items=[OrderItem(product_id="P1", name="Trail Shoe", category="Shoes", quantity=1, unit_price=90)],
        shipping_cost=0, total=90,
    )  # fmt: skip


ORDERS = [_order("100001", "in_transit"), _order("100002", "delivered", 3), _order("100003", "delivered", 90),
          _order("100004", "processing"), _order("100005", "in_transit")]  # fmt: skip
PRODUCTS = [
    Product(id="P1", name="Trail Shoe", category="Shoes", description="A shoe.", price=90, stock=3),
    Product(id="P2", name="Sold Out Tent", category="Sports", description="A tent.", price=150, stock=0),
]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_suite_file_is_read_and_bare_numbers_are_text(tmp_path: Path) -> None:
    suite = load_suite(
        _write(
            tmp_path,
            "a.yml",
            """
category: order_status
conversations:
  - name: one
    orders: {order: in_transit}
    turns:
      - say: 104233
        expect: order number
        slots: {order_id: "{order.id}"}
""",
        )
    )
    ((category, conversation),) = suite.items()
    assert category == "order_status"
    assert conversation.turns[0].say == "104233" and conversation.turns[0].expect == ["order number"]


BAD_ROLE = """
category: x
conversations:
  - name: a
    orders: {o: lost}
    turns: [{say: hi}]
"""
BAD_FIELD = """
category: x
conversations:
  - name: a
    turns: [{sey: hi}]
"""
BAD_PRODUCT = """
category: x
conversations:
  - name: a
    products: {p: cheap}
    turns: [{say: hi}]
"""
ONE = """
category: x
conversations:
  - name: same
    turns: [{say: hi}]
"""


@pytest.mark.parametrize(
    ("text", "named"), [(BAD_ROLE, r"orders\.o"), (BAD_FIELD, "sey"), (BAD_PRODUCT, r"products\.p")]
)
def test_a_malformed_file_names_the_field(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(SuiteError, match=named):
        load_suite(_write(tmp_path, "bad.yml", text))


def test_names_are_unique_across_files(tmp_path: Path) -> None:
    _write(tmp_path, "a.yml", ONE)
    _write(tmp_path, "b.yml", ONE)
    with pytest.raises(SuiteError, match="same"):
        load_suite(tmp_path)


def test_roles_pick_matching_orders_and_products_the_same_way_every_run() -> None:
    roles = StoreRoles(ORDERS, PRODUCTS, POLICY, TODAY)
    values = roles.values("a conversation", {"a": "in_transit", "b": "in_transit"}, {"tent": "out_of_stock"})
    assert {values["a.id"], values["b.id"]} == {"100001", "100005"}  # two roles never share an order
    assert values["tent.price"] == "$150.00" and values["tent.name"] == "Sold Out Tent"
    assert roles.values("a conversation", {"a": "in_transit"}, {})["a.id"] == values["a.id"]
    assert roles.values("x", {"r": "returnable"}, {})["r.id"] == "100002"
    assert roles.values("x", {"r": "return_window_closed"}, {})["r.id"] == "100003"
    with pytest.raises(RoleNotFound):
        roles.values("x", {"c": "cancelled"}, {})


def test_placeholders_and_checks() -> None:
    values = {"order.id": "104233", "order.tracking_number": "1ZABC"}
    assert fill("where is {order.id}?", values) == "where is 104233?"
    with pytest.raises(KeyError):
        fill("{order.email}", values)
    turn = Turn(
        say="x",
        expect=["{order.tracking_number}"],
        expect_any=["UPS", "USPS"],
        reject=["didn't get that"],
        max_price=100,
    )
    assert check_turn(turn, "Shipped with UPS, tracking 1zabc, $99.99", values) == []
    problems = check_turn(turn, "Sorry, I didn't get that. It costs $120.00", values)
    assert problems == [
        "missing '1ZABC'",
        "none of ['UPS', 'USPS']",
        'contains "didn\'t get that"',
        "amounts over 100: ['120.00']",
    ]


def test_a_carousel_counts_with_its_titles_and_prices() -> None:
    messages = [
        {"text": "Here you go:"},
        {"custom": {"type": "carousel", "items": [{"title": "Trail Shoe", "price_text": "$90.00"}]}},
    ]
    assert "Trail Shoe $90.00" in reply_text(messages)
