"""Runs in the Rasa environment (Python 3.10): `make test-bot`."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from rasa_addons import action_validation

GOOD = {"events": [{"event": "slot", "name": "order_id", "value": "104233"}], "responses": [{"text": "hi"}]}
BAD = {"events": [{"event": "slot", "name": 3}], "responses": []}


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_x", None)


# Valid and invalid events of many types, as the action server could send them.
EVENTS = [
    {"event": "slot", "name": "emotion", "value": {"ekman": {"joy": 0.9}}, "timestamp": None},
    {"event": "slot", "name": "emotion"},
    {"event": "slot", "name": "emotion", "value": 1, "metadata": "not an object"},
    {"event": "slot", "name": "emotion", "value": 1, "timestamp": "yesterday"},
    {"event": "bot", "text": "hello", "data": {}, "metadata": {}},
    {"event": "action", "name": "utter_greet", "policy": None, "confidence": 1.0},
    {"event": "action", "name": "utter_greet", "confidence": "high"},
    {"event": "action", "name": "utter_greet", "hide_rule_turn": "yes"},
    {
        "event": "user",
        "text": "hi",
        "parse_data": {
            "intent": {"name": "greet", "confidence": 0.9},
            "entities": [{"entity": "x", "value": 1}],
        },
    },
    {"event": "user", "text": "hi", "parse_data": {"entities": [{"entity": "x"}]}},
    {"event": "user", "text": 3},
    {"event": "entities", "entities": []},
    {"event": "entities"},
    {"event": "active_loop", "name": "order_form"},
    {"event": "followup", "name": "action_x"},
    {"event": "pause"},
    {"event": "no_such_event"},
    {"event": 3},
    {"event": ["slot"]},
    {"name": "emotion", "value": 1},
    "slot",
    None,
]


@pytest.mark.parametrize(
    "result",
    [GOOD, BAD, {"events": "nope"}, {}, {"events": None}, {"responses": "x"}, {"responses": ["x"]}, []]
    + [{"events": [event]} for event in EVENTS]
    + [{"events": [EVENTS[0], event]} for event in EVENTS[1:4]],
)
def test_same_verdict_as_rasa(action: RemoteAction, result: dict) -> None:
    try:
        expected = RemoteAction._validate_action_result(action, result)
    except ValidationError:
        expected = False
    try:
        got = action_validation.validate_action_result(action, result)
    except ValidationError as error:
        assert "Failed to validate Action server response" in error.message
        got = False
    assert got == expected


def test_install_replaces_the_method(action: RemoteAction, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    action_validation.install()
    assert RemoteAction._validate_action_result is action_validation.validate_action_result
    with pytest.raises(ValidationError):
        action._validate_action_result(BAD)
