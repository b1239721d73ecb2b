"""The rules for messages that interrupt a form are generated, current, and cover every intent."""

from __future__ import annotations

import pytest

from rasa_addons import form_rules
from rasa_addons.form_rules import Flows, FormRulesError
from rasa_addons.form_rules import form_rules as build_rules


def test_the_committed_rules_file_is_current() -> None:
    assert form_rules.main(["--check"]) == 0, "run `make rules`"


def test_every_form_gets_every_pattern() -> None:
    flows = Flows(
        answers={"shipping_question": ("action_answer_question",)}, starts={"check_order_status": "a_form"}
    )
    intents = ["shipping_question", "check_order_status", "nevermind", "inform", "complaint"]
    rules = build_rules(intents, ["a_form", "b_form"], flows)
    names = [r["rule"] for r in rules]
    for form in ("a_form", "b_form"):
        assert f"{form}: shipping_question is answered, then the form goes on" in names
        assert f"{form}: nevermind leaves the form" in names
        assert f"{form}: complaint is answered, then the form goes on" in names
    # Asking again for the form one is in only repeats its question (the validator's job).
    assert "a_form: check_order_status switches to a_form" not in names
    assert "b_form: check_order_status switches to a_form" in names
    # Answers to the form's question are never interruptions.
    assert not [n for n in names if "inform" in n]
    digression = next(
        r for r in rules if r["rule"] == "b_form: shipping_question is answered, then the form goes on"
    )
    assert digression["condition"] == [{"active_loop": "b_form"}]
    assert digression["steps"] == [
        {"intent": "shipping_question"},
        {"action": "action_answer_question"},
        {"action": "b_form"},
        {"active_loop": "b_form"},
    ]


def test_an_intent_without_a_way_through_a_form_is_named() -> None:
    with pytest.raises(FormRulesError, match="new_intent"):
        build_rules(["new_intent"], ["a_form"], Flows(answers={}, starts={}))
