"""A dead action server still leaves the customer with a reply (Rasa environment)."""

from __future__ import annotations

import asyncio
import socket
import time
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from rasa_addons import action_failures, message_limits

DOMAIN = Domain.from_yaml("""
version: "3.1"
actions: [action_show_order_status, action_request_handoff, action_validate_slot_mappings]
responses:
  utter_technical_problem: [{text: "Sorry, technical problem."}]
  utter_handoff_unavailable: [{text: "Please e-mail us."}]
""")


def _dead_endpoint() -> EndpointConfig:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return EndpointConfig(f"http://127.0.0.1:{port}/webhook")


async def _run(name: str) -> list:
    action = RemoteAction(name, _dead_endpoint())
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    return await action_failures.run_or_apologise(
        action,
        CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator(DOMAIN.responses),
        tracker,
        DOMAIN,
    )


@pytest.mark.parametrize(("name", "text"), [("action_show_order_status", "Sorry, technical problem."),
                                            ("action_request_handoff", "Please e-mail us.")])  # fmt: skip
async def test_failed_action_answers_with_the_domain_response(name: str, text: str) -> None:
    events = await _run(name)
    assert len(events) == 1 and isinstance(events[0], BotUttered) and events[0].text == text


async def test_slot_mapping_validation_fails_silently_as_rasa_expects() -> None:
    with pytest.raises(RasaException):
        await _run("action_validate_slot_mappings")


async def test_an_action_server_that_never_answers_is_given_up_within_the_turn_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(action_failures, "TURN_BUDGET_S", 0.5)
    hung = socket.socket()  # accepts connections (the backlog) and never answers
    hung.bind(("127.0.0.1", 0))
    hung.listen(8)
    try:
        action = RemoteAction(
            "action_show_order_status", EndpointConfig(f"http://127.0.0.1:{hung.getsockname()[1]}/webhook")
        )
        tracker = DialogueStateTracker("c1", DOMAIN.slots)
        tracker.update(UserUttered("where is my order"))
        started = time.monotonic()
        events = await action_failures.run_or_apologise(
            action,
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(DOMAIN.responses),
            tracker,
            DOMAIN,
        )
        assert time.monotonic() - started < 2.0
        assert [e.text for e in events if isinstance(e, BotUttered)] == ["Sorry, technical problem."]
    finally:
        hung.close()


def test_the_turn_budget_is_shared_by_the_turns_action_calls() -> None:
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    assert action_failures.time_left(tracker) == action_failures.TURN_BUDGET_S
    tracker.update(UserUttered("hi", timestamp=1000.0))
    assert action_failures.time_left(tracker, now=1003.0) == pytest.approx(
        action_failures.TURN_BUDGET_S - 3.0
    )
    assert action_failures.time_left(tracker, now=1100.0) == action_failures.MIN_CALL_S


async def test_the_budget_runs_from_the_start_of_the_turn_session_start_included(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    left: list[float] = []

    async def rasa_handles(self: Any, message: UserMessage) -> None:
        await asyncio.sleep(0.3)  # a new conversation's session start, before the message is logged
        left.append(action_failures.time_left(DialogueStateTracker("c1", DOMAIN.slots)))

    monkeypatch.setattr(MessageProcessor, "handle_message", rasa_handles)
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    monkeypatch.setattr(message_limits, "_stock_handle_message", message_limits._stock_handle_message)
    monkeypatch.setattr(message_limits, "too_fast", lambda sender_id: False)
    action_failures.install()
    message_limits.install()  # installed after it, the limits still hand the message on through it
    await MessageProcessor.handle_message(SimpleNamespace(domain=DOMAIN), UserMessage("hi", sender_id="c1"))
    assert left and left[0] <= action_failures.TURN_BUDGET_S - 0.25
    after_the_turn = action_failures.time_left(DialogueStateTracker("c1", DOMAIN.slots))
    assert after_the_turn == action_failures.TURN_BUDGET_S
