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


@pytest.mark.parametrize("result", [GOOD, BAD, {"events": "nope"}, {}])
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
