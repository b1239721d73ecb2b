"""Reading a tracker for an agent: roles, offers shown, which slots an agent may correct."""

from __future__ import annotations

from web.agent.transcript import editable_slots, offers_shown, transcript

SAM = {"agent": {"name": "Sam"}}
CAROUSEL = {"custom": {"type": "carousel", "items": [{"title": "Tent"}]}}


def test_each_line_says_who_wrote_it_and_button_payloads_read_as_clicks() -> None:
    events = [
        {"event": "user", "text": "where is my parcel", "timestamp": 1},
        {"event": "bot", "text": "Which order?", "timestamp": 2, "data": {"buttons": [{"title": "Cancel"}]}},
        {"event": "pause", "timestamp": 3},
        {"event": "bot", "text": "Sam joined", "timestamp": 4, "metadata": {"handoff": "joined", **SAM}},
        {"event": "bot", "text": "Hi, Sam here", "timestamp": 5, "metadata": SAM},
        {"event": "user", "text": '/rate{"rating":"5"}', "timestamp": 6},
        {"event": "bot", "timestamp": 7, "data": CAROUSEL},
        {"event": "slot", "name": "x", "value": 1, "timestamp": 8},
    ]  # fmt: skip
    lines = transcript(events)
    assert [line.role for line in lines] == [
        "customer",
        "bot",
        "notice",
        "notice",
        "agent",
        "customer",
        "bot",
    ]
    assert lines[1].buttons == ["Cancel"] and lines[4].author == "Sam"
    assert lines[5].text == "[clicked rate]" and lines[6].text == "[products shown: Tent]"


def test_offers_shown_pair_each_rule_with_its_variant() -> None:
    events = [
        {"event": "slot", "name": "offer_rule", "value": "r1", "timestamp": 1},
        {"event": "slot", "name": "offer_variant", "value": "a", "timestamp": 1},
        {"event": "slot", "name": "offer_rule", "value": None, "timestamp": 2},
        {"event": "slot", "name": "offer_rule", "value": "r2", "timestamp": 3},
    ]
    assert [(o.rule_id, o.variant_id) for o in offers_shown(events)] == [("r1", "a"), ("r2", None)]


def test_agents_may_correct_what_the_customer_said_but_never_identity_slots() -> None:
    domain = {"slots": {
        "order_id": {"mappings": [{"type": "from_entity", "entity": "order_id"}]},
        "email": {"mappings": [{"type": "from_text"}]},
        "customer_id": {"mappings": [{"type": "from_entity", "entity": "customer_id"}]},
        "emotion": {"mappings": [{"type": "custom"}]},
    }}  # fmt: skip
    assert editable_slots(domain) == ["email", "order_id"]
