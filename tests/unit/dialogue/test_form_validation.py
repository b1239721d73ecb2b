"""What a form does with a reply that is not its answer (validators run as Rasa calls them)."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.feedback import ValidateFeedbackForm
from actions.dialogue.order_identity import ValidateOrderStatusForm

FORM = "order_status_form"


def _validating(
    text: str,
    intent: str,
    requested: str = "order_id",
    candidates: list[dict[str, Any]] | None = None,
    form: str = FORM,
    after: str = "action_listen",
) -> Tracker:
    """The conversation as Rasa hands it to a form's validator: the form's own run appended."""
    events = [
        {"event": "action", "name": after},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": form},
        *(candidates or []),
    ]
    return Tracker(
        sender_id="conv-1",
        slots={"requested_slot": requested, **{c["name"]: c["value"] for c in candidates or []}},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name=form,
    )


async def _run(validator: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await validator.run(
        dispatcher,
        tracker,
        {
            "forms": {
                FORM: {"required_slots": ["order_id", "email"]},
                "feedback_form": {"required_slots": ["csat_score"]},
            }
        },
    )
    return dispatcher.messages, events


async def test_a_question_is_not_taken_for_an_order_number() -> None:
    messages, events = await _run(
        ValidateOrderStatusForm(), _validating("how long does delivery take?", "shipping_question")
    )
    # Nothing validated: Rasa rejects the form and the rule for the question answers it.
    assert messages == [] and events == []


async def test_a_malformed_answer_is_explained_and_asked_again() -> None:
    messages, events = await _run(ValidateOrderStatusForm(), _validating("my order is abc", "inform"))
    assert [m["response"] for m in messages] == ["utter_invalid_order_id"]
    assert events == [{"event": "slot", "timestamp": None, "name": "order_id", "value": None}]
    for text, intent in (("10423", "nlu_fallback"), ("abc", "out_of_scope")):
        replies, _ = await _run(ValidateOrderStatusForm(), _validating(text, intent))
        assert [m["response"] for m in replies] == ["utter_invalid_order_id"]


async def test_an_acknowledgement_or_the_same_request_only_asks_again() -> None:
    for text, intent in (("ok", "affirm"), ("where is my order??", "check_order_status")):
        messages, events = await _run(ValidateOrderStatusForm(), _validating(text, intent))
        assert messages == []
        assert events == [{"event": "slot", "timestamp": None, "name": "order_id", "value": None}]


async def test_a_value_given_for_another_slot_is_kept() -> None:
    email = {"event": "slot", "name": "email", "value": "Sam@Example.com"}
    messages, events = await _run(
        ValidateOrderStatusForm(), _validating("sam@example.com", "inform", candidates=[email])
    )
    assert messages == []
    assert {"event": "slot", "timestamp": None, "name": "email", "value": "sam@example.com"} in events


async def test_resuming_after_a_digression_says_nothing() -> None:
    tracker = _validating("ok", "affirm", after="action_answer_question")
    assert await _run(ValidateOrderStatusForm(), tracker) == ([], [])


async def test_a_typed_score_fills_the_feedback_form_and_a_question_does_not() -> None:
    _, events = await _run(
        ValidateFeedbackForm(),
        _validating("four stars", "rate", requested="csat_score", form="feedback_form"),
    )
    assert {"event": "slot", "timestamp": None, "name": "csat_score", "value": "4"} in events
    messages, events = await _run(
        ValidateFeedbackForm(),
        _validating(
            "how do I return this?", "ask_return_policy", requested="csat_score", form="feedback_form"
        ),
    )
    assert (messages, events) == ([], [])
