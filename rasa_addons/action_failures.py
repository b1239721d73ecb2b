"""When the action server cannot be reached, the customer still gets an honest reply.

Stock Rasa 3.6 logs the failure and ends the turn without a word to the customer.
Here a failed custom action answers with the domain's ``utter_technical_problem``
(or ``utter_handoff_unavailable`` for the handoff, which says how to reach a
person by e-mail), and the failure is logged.

A turn's action calls share ``TURN_BUDGET_S`` from the moment Rasa starts on the
customer's message (with the conversation's lock held), session start included; a call
still running then counts as failed. Rasa would otherwise wait up to 300 s per call, long after
the conversation's 60 s lock has expired and a second turn could run on the same tracker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from contextvars import ContextVar
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import UserUttered
from rasa.shared.exceptions import RasaException

from rasa_addons import metrics

logger = logging.getLogger(__name__)

FALLBACK_RESPONSES = {"action_request_handoff": "utter_handoff_unavailable"}
DEFAULT_RESPONSE = "utter_technical_problem"
# Rasa already tolerates this one failing (the turn goes on without emotion).
SILENT_ACTIONS = frozenset({"action_validate_slot_mappings"})
# Well inside the lock's lifetime, and above the answer's own 4 s generation deadline.
TURN_BUDGET_S = float(os.environ.get("ACTION_TURN_BUDGET_S", "8"))
# A call is never refused outright: even a late one gets this long.
MIN_CALL_S = 0.05

_stock_run = RemoteAction.run
# When Rasa started on the message being handled: a new conversation's session start runs
# before the message is logged, and must come out of the same budget.
_turn_started: ContextVar[float | None] = ContextVar("turn_started", default=None)


async def run_or_apologise(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list:
    """Drop-in for ``RemoteAction.run``."""
    allowed = time_left(tracker)
    try:
        return await asyncio.wait_for(_stock_run(self, output_channel, nlg, tracker, domain), allowed)
    except ActionExecutionRejection:
        raise  # a form's validator rejecting input is not a failure
    except (RasaException, asyncio.TimeoutError) as error:
        timed_out = isinstance(error, asyncio.TimeoutError)
        metrics.action_call_failed(self.name(), "timeout" if timed_out else "error")
        if self.name() in SILENT_ACTIONS:
            if isinstance(error, asyncio.TimeoutError):
                raise RasaException(f"{self.name()} timed out after {allowed:.1f} s") from error
            raise
        logger.exception("custom action %s failed for sender_id=%s", self.name(), tracker.sender_id)
        response = FALLBACK_RESPONSES.get(self.name(), DEFAULT_RESPONSE)
        message = await nlg.generate(response, tracker, output_channel.name())
        return [create_bot_utterance(message)] if message else []


def time_left(tracker: Any, now: float | None = None) -> float:
    """Seconds this turn's action calls may still take, counted from the start of the turn."""
    started = _turn_started.get() or next(
        (e.timestamp for e in reversed(tracker.events) if isinstance(e, UserUttered)), None
    )
    if started is None:
        return TURN_BUDGET_S
    elapsed = (time.time() if now is None else now) - started
    return max(MIN_CALL_S, min(TURN_BUDGET_S, TURN_BUDGET_S - elapsed))


def install() -> None:
    """Make Rasa's remote actions answer for themselves when they fail, within the turn's budget."""
    RemoteAction.run = run_or_apologise
    inner = MessageProcessor.handle_message

    async def handle_timed_message(self: MessageProcessor, message: UserMessage) -> Any:
        token = _turn_started.set(time.time())
        try:
            return await inner(self, message)
        finally:
            _turn_started.reset(token)

    MessageProcessor.handle_message = handle_timed_message
