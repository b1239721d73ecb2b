"""Reads the customer token the widget sends as socket.io session metadata.

The store's page hands the widget a token (``tokens.py``); the widget sends it
in ``customData`` of ``session_request`` and of every ``user_uttered``::

    {"customer_token": "v1.C10042.1795000000.<signature>"}

Rasa passes that metadata to actions in ``tracker.latest_message["metadata"]``
and, at session start, in the ``session_started_metadata`` slot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.identity.tokens import Secret, TokenCheck, verify_customer_token

METADATA_FIELD = "customer_token"


def identity_from_metadata(metadata: Mapping[str, Any] | None, secret: Secret, now: float) -> TokenCheck:
    """Verify the token in a message's or a session's metadata; no token (or no metadata) is "missing"."""
    token = metadata.get(METADATA_FIELD) if isinstance(metadata, Mapping) else None
    return verify_customer_token(token, secret, now)
