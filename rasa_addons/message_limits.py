"""Messages no customer sends are answered at once and never reach the NLU.

- Longer than ``MAX_MESSAGE_CHARS``: tokenising, featurising and matching 40,000
  characters holds a Rasa worker for seconds, and a few such messages would stall every
  worker. The reply is the domain's ``utter_message_too_long``.
- More than ``MAX_MESSAGES`` in ``WINDOW_S`` seconds in one conversation (counted in
  Redis, so across Rasa workers): a script, not a person. The reply is
  ``utter_slow_down``. If Redis cannot be asked, the message goes through.

Whatever the channel (REST, socket.io), the conversation is left as it was. The
socket.io channel also counts messages per client address (``address_too_fast``,
``MAX_MESSAGES_PER_ADDRESS`` in 10 seconds), so opening more sockets or conversations
does not buy more; the public proxy limits requests and sockets per address. The
limits are documented in docs/security.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from functools import lru_cache
from typing import Any

import redis
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor

from rasa_addons import metrics

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
TOO_LONG_RESPONSE = "utter_message_too_long"
# Said if the domain lacks the response: the customer gets a reply either way.
TOO_LONG_TEXT = "That message is too long for me to read. Could you put it in under 2,000 characters?"

MAX_MESSAGES = int(os.environ.get("MAX_MESSAGES_PER_WINDOW", "15"))
# Per client address on the socket.io channel, across its sockets and conversations: a
# household or an office shares an address, so well above one conversation's limit.
MAX_MESSAGES_PER_ADDRESS = int(os.environ.get("MAX_MESSAGES_PER_ADDRESS", "60"))
WINDOW_S = 10
SLOW_DOWN_RESPONSE = "utter_slow_down"
SLOW_DOWN_TEXT = "You're sending messages faster than I can read them. Please wait a few seconds."

# Rasa's handler, or what other additions wrapped it in before install().
_stock_handle_message = MessageProcessor.handle_message


@lru_cache(maxsize=1)
def _counter_redis() -> redis.Redis:
    """The Redis the stores use (bot/endpoints.yml's variables), with short timeouts."""
    return redis.Redis(
        host=os.environ.get("REDIS_HOST", "127.0.0.1"),
        port=int(os.environ.get("REDIS_PORT", "6379")),
        db=int(os.environ.get("REDIS_DB", "0")),
        password=os.environ.get("REDIS_PASSWORD") or None,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
    )


def _over(key: bytes, limit: int, client: redis.Redis | None) -> bool:
    try:
        pipe = (client or _counter_redis()).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, WINDOW_S * 2)
        count, _ = pipe.execute()
    except redis.RedisError:
        logger.warning("message rate not checked: Redis did not answer", exc_info=True)
        return False
    return int(count) > limit


def too_fast(sender_id: str, client: redis.Redis | None = None, now: float | None = None) -> bool:
    """Count this message against its conversation's window; whether it is over the limit."""
    window = int((time.time() if now is None else now) // WINDOW_S)
    # Bytes: a sender id may hold a lone surrogate (JSON's "\ud800"), which redis-py's encode() refuses.
    key = f"cs:limits:messages:{sender_id}:{window}".encode(errors="surrogatepass")
    return _over(key, MAX_MESSAGES, client)


def address_too_fast(address: str, client: redis.Redis | None = None, now: float | None = None) -> bool:
    """Count a message against its client address's window (all its sockets and conversations).

    The key holds a hash of the address, not the address. ``MAX_MESSAGES_PER_ADDRESS=0``
    turns the limit off.
    """
    if MAX_MESSAGES_PER_ADDRESS <= 0:
        return False
    window = int((time.time() if now is None else now) // WINDOW_S)
    digest = hashlib.sha256(address.encode(errors="surrogatepass")).hexdigest()[:24]
    return _over(f"cs:limits:address:{digest}:{window}".encode(), MAX_MESSAGES_PER_ADDRESS, client)


def too_long(message: UserMessage) -> bool:
    """Whether the message's text is over the limit."""
    return message.text is not None and len(message.text) > MAX_MESSAGE_CHARS


def response_text(responses: dict[str, list[dict[str, Any]]], name: str, fallback: str) -> str:
    """The domain's wording of response ``name``, or the built-in one."""
    variants = [r.get("text") for r in responses.get(name, []) if r.get("text")]
    return str(variants[0]) if variants else fallback


async def handle_message_within_limits(
    self: MessageProcessor, message: UserMessage
) -> list[dict[str, Any]] | None:
    """Drop-in for ``MessageProcessor.handle_message``: answers over-long and too-fast messages itself."""
    if too_long(message):
        logger.info(
            "message of %d characters not read (limit %d)", len(message.text or ""), MAX_MESSAGE_CHARS
        )
        metrics.message_refused("too_long")
        text = response_text(self.domain.responses, TOO_LONG_RESPONSE, TOO_LONG_TEXT)
    elif too_fast(message.sender_id or ""):
        logger.info("message not read: over %d in %d s in this conversation", MAX_MESSAGES, WINDOW_S)
        metrics.message_refused("too_fast")
        text = response_text(self.domain.responses, SLOW_DOWN_RESPONSE, SLOW_DOWN_TEXT)
    else:
        return await _stock_handle_message(self, message)
    await message.output_channel.send_text_message(message.sender_id, text)
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None


def install() -> None:
    """Make every channel's messages go through the limits first (wrapping the handler installed so far)."""
    global _stock_handle_message
    _stock_handle_message = MessageProcessor.handle_message
    MessageProcessor.handle_message = handle_message_within_limits
