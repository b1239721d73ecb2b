"""Details typed outside a form, the order lookup's first question, complaints about orders."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.order_flow import ActionAskOrderId, ActionContinueWithDetails, ActionRespondToComplaint
from tests.unit.dialogue.fakes import services_with


def _tracker(text: str, intent: str = "inform", slots: dict[str, Any] | None = None,
             entities: list[str] = (), events: list[dict[str, Any]] | None = None) -> Tracker:  # fmt: skip
    return Tracker(
        sender_id="conv-1",
        slots=slots or {},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": [{"entity": e, "value": "x"} for e in entities],
        },  # fmt: skip
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def _run(action: Any, tracker: Tracker) -> tuple[list[str], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return [m.get("response") for m in dispatcher.messages], events


async def test_an_order_number_alone_goes_on_with_the_last_lookup() -> None:
    returns = [{"event": "active_loop", "name": "return_form"}]
    _, events = await _run(
        ActionContinueWithDetails(services_with()), _tracker("104233", entities=["order_id"], events=returns)
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "return_form"}]
    _, events = await _run(
        ActionContinueWithDetails(services_with()), _tracker("104233", entities=["order_id"])
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "order_status_form"}]


async def test_a_corrected_detail_after_a_failed_lookup_is_tried_with_the_other() -> None:
    failed = {"failed_lookup": {"order_id": "104233", "email": "sam@exampel.com"}}
    _, events = await _run(
        ActionContinueWithDetails(services_with()),
        _tracker("sam@example.com", entities=["email"], slots=failed),
    )
    assert {"event": "slot", "timestamp": None, "name": "order_id", "value": "104233"} in events
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "order_status_form"}


async def test_a_reply_without_details_is_answered_as_a_question() -> None:
    _, events = await _run(ActionContinueWithDetails(services_with()), _tracker("the blue one"))
    assert events == [{"event": "followup", "timestamp": None, "name": "action_answer_question"}]


async def test_a_late_parcel_gets_an_apology_once_before_the_question() -> None:
    messages, _ = await _run(
        ActionAskOrderId(services_with()), _tracker("it still hasnt arrived", "check_order_status")
    )
    assert messages == ["utter_order_late_apology", "utter_ask_order_id"]
    already = [{"event": "bot", "metadata": {"utter_action": "utter_order_late_apology"}}]
    messages, _ = await _run(ActionAskOrderId(services_with()), _tracker("still nothing", events=already))
    assert messages == ["utter_ask_order_id"]
    calm, _ = await _run(
        ActionAskOrderId(services_with()), _tracker("where is my order?", "check_order_status")
    )
    assert calm == ["utter_ask_order_id"]


async def test_complaints_about_a_late_order_start_the_lookup_and_others_offer_a_person() -> None:
    _, events = await _run(
        ActionRespondToComplaint(services_with()),
        _tracker("been waiting two weeks for my order", "complaint"),
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "order_status_form"}]
    messages, events = await _run(
        ActionRespondToComplaint(services_with()), _tracker("worst service ever", "complaint")
    )
    assert messages == ["utter_complaint_empathy"]
    assert events == [{"event": "followup", "timestamp": None, "name": "utter_offer_human"}]
    _, events = await _run(
        ActionRespondToComplaint(services_with()),
        _tracker("this is a joke!!! get me a real person NOW", "complaint"),
    )
    assert events == [{"event": "followup", "timestamp": None, "name": "action_request_handoff"}]
    # A complaint that asks something gets the apology, then the answer from the help centre.
    messages, events = await _run(
        ActionRespondToComplaint(services_with()),
        _tracker("it stopped charging, is there really nothing i can do??", "complaint"),
    )
    assert messages == ["utter_complaint_empathy"]
    assert events == [{"event": "followup", "timestamp": None, "name": "action_answer_question"}]
