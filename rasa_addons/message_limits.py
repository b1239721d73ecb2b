"""A message longer than any customer writes is answered at once and never reaches the NLU.

Tokenising, featurising and matching 40,000 characters holds a Rasa worker for seconds;
a few such messages would stall every worker. Whatever the channel (REST, socket.io),
a message over ``MAX_MESSAGE_CHARS`` gets the domain's ``utter_message_too_long`` and
the conversation is left as it was. The limit is documented in docs/security.md.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
TOO_LONG_RESPONSE = "utter_message_too_long"
# Said if the domain lacks the response: the customer gets a reply either way.
TOO_LONG_TEXT = "That message is too long for me to read. Could you put it in under 2,000 characters?"

_stock_handle_message = MessageProcessor.handle_message


def too_long(message: UserMessage) -> bool:
    """Whether the message's text is over the limit."""
    return message.text is not None and len(message.text) > MAX_MESSAGE_CHARS


def too_long_text(responses: dict[str, list[dict[str, Any]]]) -> str:
    """The domain's wording for the reply, or the built-in one."""
    variants = [r.get("text") for r in responses.get(TOO_LONG_RESPONSE, []) if r.get("text")]
    return str(variants[0]) if variants else TOO_LONG_TEXT


async def handle_message_within_limits(
    self: MessageProcessor, message: UserMessage
) -> list[dict[str, Any]] | None:
    """Drop-in for ``MessageProcessor.handle_message`` that answers an over-long message itself."""
    if not too_long(message):
        return await _stock_handle_message(self, message)
    logger.info("message of %d characters not read (limit %d)", len(message.text or ""), MAX_MESSAGE_CHARS)
    await message.output_channel.send_text_message(message.sender_id, too_long_text(self.domain.responses))
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None


def install() -> None:
    """Make every channel's messages go through the length check first."""
    MessageProcessor.handle_message = handle_message_within_limits
