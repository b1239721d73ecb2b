"""The handoff reply out of the team's hours: when someone will reply, and an e-mail asked for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.support import ActionRequestHandoff
from actions.errors import StoreUnavailable
from actions.handoff.hours import SupportHours, SupportWindow
from actions.store.models import StorePolicy
from tests.unit.dialogue.fakes import POLICY, services_with, tracker

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Queue:
    def __init__(self) -> None:
        self.requests: list[Any] = []

    async def enqueue(self, request: Any, *args: Any) -> None:
        self.requests.append(request)


class Store:
    def __init__(self, policy: StorePolicy | None) -> None:
        self._policy = policy

    async def policy(self) -> StorePolicy:
        if self._policy is None:
            raise StoreUnavailable("Redis did not answer")
        return self._policy


def _policy(opens: str, closes: str) -> StorePolicy:
    hours = SupportHours(timezone="UTC", timezone_label="UTC",
                         windows=[SupportWindow(days=ALL_WEEK, opens=opens, closes=closes)])  # fmt: skip
    return POLICY.model_copy(update={"support_hours": hours})


async def _hand_off(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    action = ActionRequestHandoff(services_with(handoff=Queue(), store=store))
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker({"handoff_reason": "customer asked"}), {})
    return dispatcher.messages, events


async def test_out_of_hours_the_reply_says_when_the_team_is_back_and_asks_for_an_e_mail() -> None:
    if datetime.now(UTC).strftime("%H:%M") == "00:00":
        pytest.skip("the test's one open minute is now")
    # Open one minute a day, at midnight UTC: at any other time the team is back tomorrow.
    messages, events = await _hand_off(Store(_policy("00:00", "00:01")))
    (message,) = messages
    assert message["response"] is None and message["handoff"] == "queued"
    assert "offline right now and back tomorrow at 12:00 am UTC" in message["text"]
    assert "e-mail address" in message["text"]
    assert {"event": "pause", "timestamp": None} in events


async def test_in_hours_and_without_hours_the_usual_reply_marks_the_widgets_banner() -> None:
    for store in (Store(_policy("00:00", "24:00")), Store(POLICY), Store(None)):
        messages, events = await _hand_off(store)
        assert [(m["response"], m["handoff"]) for m in messages] == [("utter_handoff_queued", "queued")]
        assert {"event": "pause", "timestamp": None} in events
