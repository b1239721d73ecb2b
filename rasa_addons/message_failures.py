"""A customer message Rasa cannot handle at all still gets an honest reply.

Stock Rasa 3.6 logs the exception of ``Agent.handle_message`` (the conversation's lock, the
tracker store, anything else that fails outside a custom action) and the REST and socket.io
channels answer nothing: the widget shows no reply and no sign of trouble. When Redis is down
or restarting, every message fails this way. Here the customer gets the domain's
``utter_technical_problem`` text on the message's own output channel, the failure is logged
with the conversation id, and ``cs_rasa_messages_failed_total{kind}`` counts it (``redis``
when Redis could not be reached, ``error`` otherwise). The message itself is not recorded: the
reply asks the customer to try again.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import LockError
from redis.exceptions import RedisError

from rasa_addons import metrics

logger = logging.getLogger(__name__)

RESPONSE = "utter_technical_problem"
# If the domain has no such response; the same words as bot/domain/core.yml.
FALLBACK_TEXT = (
    "Sorry, I'm having a technical problem looking that up right now. Please try again in a minute, "
    "or ask for a person and someone will help you."
)


def failure_kind(error: BaseException) -> str:
    """``redis`` when the error, or what caused it, is Redis being unreachable; else ``error``."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, RedisError):
            return "redis"
        seen = seen.__cause__ or seen.__context__
    return "error"


def apology(agent: Agent) -> str:
    """The text of the domain's technical-problem response."""
    domain = agent.domain
    variations = domain.responses.get(RESPONSE, []) if domain is not None else []
    text = variations[0].get("text") if variations else None
    return text if isinstance(text, str) and text else FALLBACK_TEXT


def install() -> None:
    """Wrap ``Agent.handle_message``: a message that fails gets the apology instead of silence."""
    inner = Agent.handle_message

    async def handle_or_apologise(self: Agent, message: UserMessage) -> Any:
        try:
            return await inner(self, message)
        except Exception as error:
            kind = failure_kind(error)
            metrics.message_failed(kind)
            # The lock's own message repeats the Redis error; the traceback is only worth it for the rest.
            log = logger.error if kind == "redis" or isinstance(error, LockError) else logger.exception
            log("message of conversation %s not handled (%s: %s); the customer was told to try again",
                message.sender_id, type(error).__name__, error)  # fmt: skip
            try:
                await message.output_channel.send_text_message(message.sender_id, apology(self))
            except Exception:
                logger.exception("the apology to conversation %s could not be sent", message.sender_id)
            return None

    Agent.handle_message = handle_or_apologise
