"""The inbox route and the conversation's context in the real app (Rasa answered from memory)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from redis import Redis as SyncRedis

from actions.store.models import Customer, Order, OrderItem
from tests.unit.web.agent.test_routes import CID, KEYS, Console, _audit, _policy
from tests.unit.web.agent.test_routes import console as console  # noqa: PLC0414  (the fixture)


def _order(order_id: str, placed: datetime, **changes: object) -> Order:
    fields: dict[str, object] = {
        "id": order_id, "customer_id": "C7", "email": "ada@example.com", "status": "delivered",
        "placed_at": placed, "delivered_at": placed + timedelta(days=3), "shipping_method": "express",
        "carrier": "DHL", "tracking_number": "JD0001", "shipping_cost": 5.0, "total": 84.0,
        "items": [OrderItem(product_id="P1", name="Trail shoes", category="shoes", quantity=1,
                            unit_price=79.0),
                  OrderItem(product_id="P2", name="Gift card", category="gift cards", quantity=1,
                            unit_price=0.0, final_sale=True)],
    }  # fmt: skip
    return Order.model_validate({**fields, **changes})


def _store(sync_redis: SyncRedis) -> None:
    _policy(sync_redis)
    ada = Customer(id="C7", first_name="Ada", last_name="Byron", email="ada@example.com", country="GB",
                   created_at=date(2024, 5, 1))  # fmt: skip
    sync_redis.set(KEYS.customer("C7"), ada.model_dump_json())
    now = datetime.now(UTC)
    for order in (_order("104233", now - timedelta(days=5)), _order("99001", now - timedelta(days=90))):
        sync_redis.set(KEYS.order(order.id), order.model_dump_json())
        sync_redis.zadd(KEYS.customer_orders("C7"), {order.id: order.placed_at.timestamp()})


def test_the_inbox_answers_a_view_with_counts_and_names_a_wrong_parameter(
    console: Console, sync_redis: SyncRedis
) -> None:
    console.sign_in("sam.lee")
    answer = console.client.get("/api/agent/inbox", params={"view": "unassigned", "sort": "priority"})
    body = answer.json()
    assert [i["conversation_id"] for i in body["items"]] == [CID]
    assert body["counts"] == {"unassigned": 1, "mine": 0, "all": 1, "follow_up": 0}
    assert body["server_ms"] >= 0 and answer.headers["Server-Timing"].startswith("inbox;dur=")
    assert console.client.get("/api/agent/inbox", params={"view": "mine"}).json()["items"] == []

    wrong = console.client.get("/api/agent/inbox", params={"priority": "soon", "page": "0"})
    assert wrong.status_code == 422
    assert sorted(d["field"] for d in wrong.json()["details"]) == ["page", "priority"]

    found = console.client.get("/api/agent/inbox", params={"q": "nobody@example.com"}).json()
    assert found["total"] == 0
    assert ("sam.lee", "conversation.search") in _audit(sync_redis)


def test_the_inbox_is_for_agents_only(console: Console) -> None:
    assert console.client.get("/api/agent/inbox").status_code in (401, 303)


def test_the_conversation_carries_its_summary_verified_order_customer_and_emotion_in_words(
    console: Console, sync_redis: SyncRedis
) -> None:
    _store(sync_redis)
    console.rasa.trackers[CID] = {
        "events": [
            {
                "event": "user",
                "text": "where is my order 104233",
                "timestamp": 1.0,
                "parse_data": {"intent": {"name": "check_order_status"}},
            },
            {"event": "action", "name": "action_show_order_status", "timestamp": 2.0},
        ],
        "slots": {
            "signed_in": True,
            "customer_id": "C7",
            "order_id": "104233",
            "email": "ada@example.com",
            "order_value": 84.0,
        },
    }
    console.sign_in("sam.lee")
    view = console.client.get(f"/api/agent/conversations/{CID}").json()
    assert view["summary"]["lines"][:3] == [
        "The customer wants to know where their order is.",
        "The bot looked up the order's status.",
        "Order #104233 was verified with the customer's e-mail.",
    ]
    order = view["order"]
    assert (order["status"], order["carrier"], order["tracking_number"]) == ("Delivered", "DHL", "JD0001")
    assert [i["name"] for i in order["items"]] == ["Trail shoes", "Gift card"]
    deadline = (datetime.now(UTC) - timedelta(days=2)).date() + timedelta(days=30)
    assert order["returns"] == f"Can be returned until {deadline.isoformat()}."
    customer = view["customer"]
    assert (customer["name"], customer["email"]) == ("Ada Byron", "ada@example.com")
    assert [o["order_id"] for o in customer["recent_orders"]] == ["104233", "99001"]
    assert view["emotion_words"][0] == "Now angry (very negative), from one message."


def test_an_order_the_bot_did_not_verify_is_not_shown(console: Console, sync_redis: SyncRedis) -> None:
    _store(sync_redis)
    # The number is right but the e-mail is someone else's: the bot never set order_value.
    slots = {"order_id": "104233", "email": "eve@example.com"}
    console.rasa.trackers[CID] = {"events": [], "slots": slots}
    console.sign_in("sam.lee")
    view = console.client.get(f"/api/agent/conversations/{CID}").json()
    assert view["order"] is None and view["customer"] is None
    assert "Order #104233 was given but not verified." in view["summary"]["lines"]
    # Even with order_value set, a wrong e-mail finds no order.
    console.rasa.trackers[CID]["slots"] = {**slots, "order_value": 84.0}
    assert console.client.get(f"/api/agent/conversations/{CID}").json()["order"] is None
