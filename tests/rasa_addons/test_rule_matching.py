"""Runs in the Rasa environment (Python 3.10): `make test-bot`."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from rasa_addons import rule_matching

ACTIONS = ["action_listen", "utter_greet", "order_form", "action_answer_question"]
INTENTS = ["greet", "order_status", "thanks"]
SLOTS = ["order_id", "email"]


@st.composite
def states(draw: st.DrawFn, conversation_start: bool = False) -> dict:
    """A dialogue state as Rasa's featurizers write it; rules also use SHOULD_NOT_BE_SET."""
    state: dict = {}
    if not conversation_start:
        state["prev_action"] = draw(
            st.sampled_from(
                [{"action_name": a} for a in [*ACTIONS, SHOULD_NOT_BE_SET]] + [{"action_text": "hi"}]
            )
        )
    if draw(st.booleans()):
        state["user"] = draw(
            st.sampled_from([{"intent": i} for i in [*INTENTS, SHOULD_NOT_BE_SET]] + [{"text": "hello"}])
        )
    slots = {s: draw(st.sampled_from([(1.0,), SHOULD_NOT_BE_SET])) for s in SLOTS if draw(st.booleans())}
    if slots:
        state["slots"] = slots
    if draw(st.booleans()):
        state["active_loop"] = {"name": draw(st.sampled_from(["order_form", SHOULD_NOT_BE_SET]))}
    return state


@st.composite
def rules(draw: st.DrawFn) -> str:
    starts = draw(st.booleans())
    first = draw(states(conversation_start=starts))
    rest = draw(st.lists(states(), max_size=3))
    return json.dumps([first, *rest], sort_keys=True)


@st.composite
def conversations(draw: st.DrawFn) -> list[dict]:
    first = draw(states(conversation_start=True))
    # Conversation states never carry SHOULD_NOT_BE_SET values; leave them: both walks see the same input.
    return [first, *draw(st.lists(states(), max_size=14))]


@settings(max_examples=500, deadline=None)
@given(lookup=st.dictionaries(rules(), st.sampled_from(ACTIONS), max_size=40), history=conversations())
def test_the_shortened_walk_keeps_exactly_the_rules_stock_rasa_keeps(lookup: dict, history: list) -> None:
    policy = RulePolicy.__new__(RulePolicy)
    stock = rule_matching.STOCK_POSSIBLE_KEYS(policy, lookup, history)
    assert rule_matching.possible_keys(policy, lookup, history) == stock
    # The index is built once per table: a second call (as on the next prediction) agrees too.
    assert rule_matching.possible_keys(policy, lookup, history[:-1]) == rule_matching.STOCK_POSSIBLE_KEYS(
        policy, lookup, history[:-1]
    )


def test_the_first_step_tests_only_the_rules_filed_under_the_current_action_and_intent() -> None:
    listen = {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}
    greet_rule = json.dumps([listen], sort_keys=True)
    thanks_rule = json.dumps([{**listen, "user": {"intent": "thanks"}}], sort_keys=True)
    after_greet = json.dumps([{"prev_action": {"action_name": "utter_greet"}}], sort_keys=True)
    any_rule = json.dumps([{"slots": {"order_id": (1.0,)}}], sort_keys=True)
    index = rule_matching.RuleIndex.of(dict.fromkeys([greet_rule, thanks_rule, after_greet, any_rule], "x"))
    assert index.candidates(listen) == {greet_rule, any_rule}


def test_a_rule_longer_than_the_conversation_still_applies_as_in_stock_rasa() -> None:
    policy = RulePolicy.__new__(RulePolicy)
    greet = {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}
    long_rule = json.dumps([greet, {"prev_action": {"action_name": "utter_greet"}}, greet], sort_keys=True)
    short_rule = json.dumps([greet], sort_keys=True)
    lookup = {long_rule: "utter_greet", short_rule: "utter_greet"}
    assert rule_matching.possible_keys(policy, lookup, [greet]) == {long_rule, short_rule}
    assert rule_matching.STOCK_POSSIBLE_KEYS(policy, lookup, [greet]) == {long_rule, short_rule}


def test_installing_replaces_rasas_walk() -> None:
    try:
        rule_matching.install()
        assert RulePolicy._get_possible_keys is rule_matching.possible_keys
    finally:
        RulePolicy._get_possible_keys = rule_matching.STOCK_POSSIBLE_KEYS
