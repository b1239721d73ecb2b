from datetime import datetime, timedelta

from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.orders import ActionCheckReturnEligibility, ActionShowOrderStatus
from tests.unit.dialogue.fakes import FakeStore, make_order, services_with, tracker


async def _run(action, slots):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(slots), {})
    return dispatcher.messages, events


async def test_matching_pair_shows_the_status_with_tracking() -> None:
    action = ActionShowOrderStatus(services_with(store=FakeStore([make_order()])))
    messages, events = await _run(action, {"order_id": "104233", "email": "Sam@Example.com "})
    assert messages[0]["response"] == "utter_order_shipped"
    assert messages[0]["tracking_number"] == "1ZABC1230312345678"
    assert messages[0]["items"] == "2 x Trail Shoe"
    assert {"event": "slot", "timestamp": None, "name": "order_lookup_failures", "value": 0} in events


async def test_wrong_email_reveals_nothing_and_clears_the_slots() -> None:
    action = ActionShowOrderStatus(services_with(store=FakeStore([make_order()])))
    messages, events = await _run(action, {"order_id": "104233", "email": "other@example.com"})
    assert [m["response"] for m in messages] == ["utter_order_not_found"]
    assert all("tracking_number" not in m for m in messages)
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {
        "order_id": None,
        "email": None,
        "order_lookup_failures": 1,
        # Kept apart, so that a correction of one of the two is tried with the other.
        "failed_lookup": {"order_id": "104233", "email": "other@example.com"},
    }


async def test_third_failure_offers_a_person() -> None:
    action = ActionShowOrderStatus(services_with(store=FakeStore([make_order()])))
    messages, events = await _run(
        action, {"order_id": "999999", "email": "x@example.com", "order_lookup_failures": 2}
    )
    assert [m["response"] for m in messages] == ["utter_order_lookup_give_up"]
    assert {"event": "followup", "timestamp": None, "name": "utter_offer_human"} in events


async def test_past_the_limit_even_a_right_pair_is_not_looked_up() -> None:
    action = ActionShowOrderStatus(services_with(store=FakeStore([make_order()])))
    messages, _ = await _run(
        action, {"order_id": "104233", "email": "sam@example.com", "order_lookup_failures": 3}
    )
    assert [m["response"] for m in messages] == ["utter_order_lookup_give_up"]
    assert all("tracking_number" not in m for m in messages)


async def test_redis_down_gives_the_technical_problem_reply() -> None:
    action = ActionShowOrderStatus(services_with(store=FakeStore(down=True)))
    messages, events = await _run(action, {"order_id": "104233", "email": "sam@example.com"})
    assert [m["response"] for m in messages] == ["utter_technical_problem"]
    assert events == []


async def test_return_eligibility_for_a_recent_delivery() -> None:
    delivered = datetime.now().replace(microsecond=0) - timedelta(days=3)
    order = make_order(status="delivered", delivered_at=delivered)
    action = ActionCheckReturnEligibility(services_with(store=FakeStore([order])))
    messages, _ = await _run(action, {"order_id": "104233", "email": "sam@example.com"})
    assert messages[0]["response"] == "utter_return_eligible"
    assert messages[0]["return_window_days"] == 30


async def test_return_window_closed_for_an_old_delivery() -> None:
    order = make_order(status="delivered", delivered_at=datetime(2025, 1, 2, 12))
    action = ActionCheckReturnEligibility(services_with(store=FakeStore([order])))
    messages, _ = await _run(action, {"order_id": "104233", "email": "sam@example.com"})
    assert messages[0]["response"] == "utter_return_window_closed"
    assert messages[0]["return_deadline"] == "February 1, 2025"


async def test_wrong_pairs_from_other_conversations_count_against_the_email() -> None:
    services = services_with(store=FakeStore([make_order()]))
    for guess in ("104230", "104231", "104232"):  # three conversations, one guess each
        messages, _ = await _run(
            ActionShowOrderStatus(services), {"order_id": guess, "email": "sam@example.com"}
        )
        assert [m["response"] for m in messages] == ["utter_order_not_found"]
    # A fresh conversation (no failures in its slots) with the right order is refused all the same.
    messages, events = await _run(
        ActionShowOrderStatus(services), {"order_id": "104233", "email": "sam@example.com"}
    )
    assert [m["response"] for m in messages] == ["utter_order_lookup_give_up"]
    assert all("tracking_number" not in m for m in messages)
