"""Conversation ids issued and signed by the Rasa server, so a widget reaches only its own conversation.

The socket.io channel (``socketio_channel``) gives every new widget conversation a random
128-bit id and a *ticket*: ``<expiry>.<HMAC-SHA256(secret, "<id>.<expiry>")>``. A socket
joins a conversation only by presenting the id with a valid ticket, so an id that was
guessed or copied (from a log, a screenshot, a shared link) without its ticket opens
nothing. The secret is ``CONVERSATION_SECRET``, the same for every Rasa worker and across
restarts; the demo default is refused with ``CS_ENV=production``.

Tickets expire ``TICKET_TTL_S`` after they were issued; each accepted ``session_request``
issues a fresh one, so a conversation in use does not expire.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable

from actions.deployment import check_production_secret

SECRET_ENV = "CONVERSATION_SECRET"
# DEMO DEFAULT, not a secret: set CONVERSATION_SECRET in any real deployment.
DEMO_CONVERSATION_SECRET = "demo-conversation-secret-change-me"
# Longer than the widget keeps a conversation (a day, web/widget/store.js).
TICKET_TTL_S = 2 * 24 * 60 * 60
# Longest id and ticket looked at; anything longer is refused unread.
MAX_ID_LENGTH = 64
MAX_TICKET_LENGTH = 128


class ConversationTickets:
    """Issues conversation ids with their tickets, and checks a ticket against an id."""

    def __init__(
        self, secret: str, ttl_s: float = TICKET_TTL_S, clock: Callable[[], float] = time.time
    ) -> None:
        if not secret:
            raise ValueError(f"{SECRET_ENV} must not be empty")
        self._key = secret.encode()
        self.ttl_s = ttl_s
        self._clock = clock

    @classmethod
    def from_environment(cls) -> ConversationTickets:
        """Tickets signed with ``CONVERSATION_SECRET`` (a demo value unless set; refused in production)."""
        secret = os.environ.get(SECRET_ENV) or DEMO_CONVERSATION_SECRET
        if os.environ.get("CS_ENV") == "production":
            check_production_secret(SECRET_ENV, secret)
        return cls(secret)

    def new_conversation(self) -> tuple[str, str]:
        """A fresh random conversation id (32 hex digits) and its ticket."""
        conversation_id = secrets.token_hex(16)
        return conversation_id, self.issue(conversation_id)

    def issue(self, conversation_id: str) -> str:
        """A ticket for ``conversation_id``, valid for ``ttl_s`` from now."""
        expiry = int(self._clock() + self.ttl_s)
        return f"{expiry}.{self._signature(conversation_id, expiry)}"

    def verify(self, conversation_id: object, ticket: object) -> bool:
        """Whether ``ticket`` was issued for ``conversation_id`` and has not expired."""
        if not isinstance(conversation_id, str) or not isinstance(ticket, str):
            return False
        if not conversation_id or len(conversation_id) > MAX_ID_LENGTH or len(ticket) > MAX_TICKET_LENGTH:
            return False
        # Issued ids and tickets are ASCII. Other text would reach int() ("²".isdigit() is true)
        # or encode() (a lone surrogate from JSON's "\ud800") and raise.
        if not (conversation_id.isascii() and ticket.isascii()):
            return False
        expiry_text, _, signature = ticket.partition(".")
        if not expiry_text.isdigit():
            return False
        expiry = int(expiry_text)
        expected = self._signature(conversation_id, expiry)
        # Constant-time, and the expiry checked after, so timing says nothing about the signature.
        valid = hmac.compare_digest(expected.encode(), signature.encode())
        return valid and expiry > self._clock()

    def _signature(self, conversation_id: str, expiry: int) -> str:
        message = f"{conversation_id}.{expiry}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
