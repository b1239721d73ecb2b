from actions.dialogue.offers import customer_text, offer_context, upsell_allowed_lately
from tests.unit.dialogue.fakes import tracker


def _slot(name: str, value: object) -> dict[str, object]:
    return {"event": "slot", "name": name, "value": value}


def test_an_upset_turn_blocks_upsells_for_the_next_calm_turns() -> None:
    recent_anger = [_slot("upsell_allowed", False), _slot("upsell_allowed", True)]
    assert not upsell_allowed_lately(tracker(events=recent_anger))
    calm_since = [_slot("upsell_allowed", False), *[_slot("upsell_allowed", True)] * 3]
    assert upsell_allowed_lately(tracker(events=calm_since))


def test_offer_context_reads_the_slots_and_hides_profile_values_of_anonymous_visitors() -> None:
    slots = {
        "signed_in": True,
        "customer_id": "C1",
        "segment": "2",
        "segment_label": "frequent, high-value",
        "customer_value": 812.5,
        "tenure_days": 40.0,
        "emotion": "joy",
        "sentiment": 0.4,
        "upsell_allowed": True,
    }
    context = offer_context(tracker(slots=slots), "ask_recommendation")
    assert (context.customer_id, context.segment, context.customer_value, context.tenure_days) == (
        "C1",
        "2",
        812.5,
        40,
    )
    assert context.upsell_allowed and not context.in_complaint
    anonymous = offer_context(tracker(slots={**slots, "signed_in": False}), None)
    assert (
        anonymous.customer_id is None and anonymous.customer_value is None and anonymous.tenure_days is None
    )


def test_a_complaint_in_the_conversation_marks_the_context() -> None:
    complaint = {"event": "user", "text": "this is awful", "parse_data": {"intent": {"name": "complaint"}}}
    assert offer_context(tracker(events=[complaint]), "ask_recommendation").in_complaint


def test_customer_text_skips_button_payloads() -> None:
    events = [
        {"event": "user", "text": "a tent for camping"},
        {"event": "user", "text": '/ask_product{"product_id": "P1"}'},
    ]
    assert customer_text(tracker(events=events)) == "a tent for camping"


def test_topic_comes_from_the_turn_else_from_the_conversation_slot() -> None:
    conversation = tracker(slots={"topic": "Outdoor"})
    assert offer_context(conversation, "product_question").topic == "Outdoor"
    assert offer_context(conversation, "product_question", topic="Kitchen").topic == "Kitchen"
    assert offer_context(tracker(), None).topic is None


def test_order_value_comes_from_the_verified_order_slot() -> None:
    assert offer_context(tracker(slots={"order_value": 129.9}), None).order_value == 129.9
    assert offer_context(tracker(), None).order_value is None


def test_cart_value_comes_from_the_message_metadata_and_junk_is_ignored() -> None:
    assert offer_context(tracker(metadata={"cart_value": 64.5}), None).cart_value == 64.5
    assert offer_context(tracker(metadata={"cart_value": 0}), None).cart_value == 0.0
    for junk in ("64.5", -3, True, 5e9, {"total": 1}):
        assert offer_context(tracker(metadata={"cart_value": junk}), None).cart_value is None
    assert offer_context(tracker(), None).cart_value is None
