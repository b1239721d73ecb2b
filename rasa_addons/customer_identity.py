"""The customer token is checked as each message arrives and never stored.

The widget sends the store's signed token with every message (``customer_token`` in
the metadata). Rasa would keep it in the tracker (each ``user`` event and the
``session_started_metadata`` slot) and hand it to the event broker (``cs:events``),
where anyone who reads them could replay it until it expires. Before Rasa sees the
message, this replaces the token with what was concluded: a ``customer`` entry with
the verified id, bound to this conversation by an HMAC the action server checks
(``actions/identity/metadata.py``), or nothing for an anonymous visitor. A ``customer``
entry the client sent itself is dropped as well.

Keys come from ``CS_IDENTITY_*`` (``KeyRing.from_environment``: the current key, the
previous one during a rotation window, the longest lifetime accepted); the proof is
keyed with ``ACTION_SERVER_TOKEN``, the secret Rasa and the action server share.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from actions.identity.metadata import checked_metadata
from actions.identity.tokens import KeyRing

logger = logging.getLogger(__name__)

Handler = Callable[[MessageProcessor, UserMessage], Awaitable[Any]]
# Refusals worth an operator's attention; an expired token is an everyday event.
SUSPICIOUS = frozenset({"malformed", "forged", "unknown_key", "too_long_lived"})


def check_message(message: UserMessage, keys: KeyRing, secret: str, now: float | None = None) -> None:
    """Replace the token in ``message.metadata`` by the verified customer (or by nothing)."""
    metadata = message.metadata
    if not isinstance(metadata, Mapping):
        return
    kept, check = checked_metadata(
        metadata, message.sender_id or "", keys, secret, time.time() if now is None else now
    )
    if check.reason in SUSPICIOUS:
        logger.warning("customer token %s: the visitor stays anonymous", check.reason)
    elif check.reason == "expired":
        logger.info("customer token expired: the visitor stays anonymous")
    message.metadata = kept


def install(environ: Mapping[str, str]) -> None:
    """Check tokens before every channel's messages reach Rasa (wraps the current handler).

    Raises:
        IdentityConfigError: A ``CS_IDENTITY_*`` variable is malformed.

    """
    keys = KeyRing.from_environment(environ)
    secret = environ.get("ACTION_SERVER_TOKEN", "")
    if not secret:
        logger.warning("ACTION_SERVER_TOKEN is not set: signed-in customers will be treated as visitors")
    inner: Handler = MessageProcessor.handle_message

    async def handle_checked_message(self: MessageProcessor, message: UserMessage) -> Any:
        check_message(message, keys, secret)
        return await inner(self, message)

    MessageProcessor.handle_message = handle_checked_message
