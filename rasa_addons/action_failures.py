"""When the action server cannot be reached, the customer still gets an honest reply.

Stock Rasa 3.6 logs the failure and ends the turn without a word to the customer.
Here a failed custom action answers with the domain's ``utter_technical_problem``
(or ``utter_handoff_unavailable`` for the handoff, which says how to reach a
person by e-mail), and the failure is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

FALLBACK_RESPONSES = {"action_request_handoff": "utter_handoff_unavailable"}
DEFAULT_RESPONSE = "utter_technical_problem"
# Rasa already tolerates this one failing (the turn goes on without emotion).
SILENT_ACTIONS = frozenset({"action_validate_slot_mappings"})

_stock_run = RemoteAction.run


async def run_or_apologise(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list:
    """Drop-in for ``RemoteAction.run``."""
    try:
        return await _stock_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise  # a form's validator rejecting input is not a failure
    except RasaException:
        if self.name() in SILENT_ACTIONS:
            raise
        logger.exception("custom action %s failed for sender_id=%s", self.name(), tracker.sender_id)
        response = FALLBACK_RESPONSES.get(self.name(), DEFAULT_RESPONSE)
        message = await nlg.generate(response, tracker, output_channel.name())
        return [create_bot_utterance(message)] if message else []


def install() -> None:
    """Make Rasa's remote actions answer for themselves when they fail."""
    RemoteAction.run = run_or_apologise  # type: ignore[method-assign]
