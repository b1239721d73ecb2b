"""The customer token in message metadata, and the Rasa server's word for it in the tracker.

The store's page hands the widget a token (``tokens.py``); the widget sends it in
``customData`` of ``session_request`` and of every ``user_uttered``::

    {"customer_token": "v2.k1.C10042.1795000000.<signature>"}

A token kept in the tracker (every ``user`` event, the ``session_started_metadata``
slot, the ``cs:events`` stream) would let whoever reads them act as the customer
until it expires. So the Rasa server checks it as the message arrives
(``rasa_addons/customer_identity.py``) and stores instead what it concluded::

    {"customer": {"id": "C10042", "expires_at": 1795000000, "proof": "<hmac>"}}

``proof`` is an HMAC, keyed with the secret Rasa and the action server already share
(``ACTION_SERVER_TOKEN``), over the conversation id, the customer id and the expiry.
The action server believes ``customer`` only with a valid proof for *this*
conversation: a widget that sends ``customer`` itself, a Rasa server started without
the addition, or a copy of another conversation's metadata all leave the visitor
anonymous. Standard library only, as the Rasa server imports it too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from actions.identity.tokens import KeyRing, TokenCheck, VerifiedIdentity, verify_customer_token

METADATA_FIELD = "customer_token"
VOUCHED_FIELD = "customer"
# Never stored: what a client may send under these names is dropped on arrival.
CLIENT_FIELDS = frozenset({METADATA_FIELD, VOUCHED_FIELD})
_PROOF_CONTEXT = b"cs-customer-vouch-v1"


def _proof(secret: str, sender_id: str, customer_id: str, expires_at: int) -> str:
    message = b"\n".join((_PROOF_CONTEXT, sender_id.encode(), customer_id.encode(), str(expires_at).encode()))
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def vouch(identity: VerifiedIdentity, sender_id: str, secret: str) -> dict[str, Any]:
    """What the Rasa server stores for a verified customer in conversation ``sender_id``."""
    return {
        "id": identity.customer_id,
        "expires_at": identity.expires_at,
        "proof": _proof(secret, sender_id, identity.customer_id, identity.expires_at),
    }


def checked_metadata(
    metadata: Mapping[str, Any] | None, sender_id: str, keys: KeyRing, secret: str, now: float
) -> tuple[dict[str, Any], TokenCheck]:
    """``metadata`` without the token (or a client's own ``customer``), vouched if the token verifies."""
    source = metadata if isinstance(metadata, Mapping) else {}
    check = verify_customer_token(source.get(METADATA_FIELD), keys, now)
    kept = {key: value for key, value in source.items() if key not in CLIENT_FIELDS}
    if check.identity is not None:
        kept[VOUCHED_FIELD] = vouch(check.identity, sender_id, secret)
    return kept, check


def vouched_customer(
    metadata: Mapping[str, Any] | None, sender_id: str, secret: str, now: float
) -> str | None:
    """The customer id the Rasa server vouched for in this conversation's ``metadata``; never raises."""
    vouched = metadata.get(VOUCHED_FIELD) if isinstance(metadata, Mapping) else None
    if not isinstance(vouched, Mapping) or not secret:
        return None
    customer_id, expires_at, proof = vouched.get("id"), vouched.get("expires_at"), vouched.get("proof")
    if not (isinstance(customer_id, str) and isinstance(expires_at, int) and isinstance(proof, str)):
        return None
    expected = _proof(secret, sender_id, customer_id, expires_at)
    if not proof.isascii() or not hmac.compare_digest(expected.encode(), proof.encode()):
        return None
    return customer_id if expires_at > now else None
