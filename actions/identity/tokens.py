"""Customer tokens: the store's website vouches for a signed-in customer with an HMAC.

Format (version 1)::

    v1.<customer_id>.<expires_unix>.<signature>

* ``customer_id``: the store's id, visible ASCII without spaces (dots allowed);
* ``expires_unix``: integer seconds since the epoch (UTC) after which the token is refused;
* ``signature``: HMAC-SHA256 over the ASCII bytes of ``v1.<customer_id>.<expires_unix>``
  with the secret shared with the store, encoded base64url without padding (43 characters).

The token is parsed from both ends (version before the first dot, expiry and
signature after the last two), so every token has exactly one reading, and the
signature covers the version, the id and the expiry: changing any of them,
or presenting one customer's signature with another id, fails verification.
The store's side is four lines in any language; ``docs/segments.md`` shows Python
and JavaScript.

Verification never raises: a missing, malformed, expired or forged token is
simply not an identity (the visitor is anonymous), and ``TokenCheck.reason``
says which for the logs. The signature is checked before the expiry, so a
forged token is reported as forged even when its expiry is past.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

VERSION = "v1"
# DEMO DEFAULT, not a secret: `make run` signs and verifies demo tokens with it.
# Set CS_IDENTITY_SECRET (shared with the store's website) in any real deployment.
DEMO_IDENTITY_SECRET = "demo-identity-secret-change-me"
DEFAULT_TTL_S = 3600
# Longest token accepted: a 64-character id, a 20-digit expiry and the signature
# fit with room to spare; anything longer is refused before any work is done.
MAX_TOKEN_LENGTH = 256
MAX_CUSTOMER_ID_LENGTH = 64
_CUSTOMER_ID = re.compile(rf"[\x21-\x7e]{{1,{MAX_CUSTOMER_ID_LENGTH}}}")
_EXPIRES = re.compile(r"[0-9]{1,20}")
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")

Reason = Literal["verified", "missing", "malformed", "expired", "forged"]
Secret = str | bytes | SecretStr


class VerifiedIdentity(BaseModel):
    """A customer id the store vouched for, and until when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: str
    expires_at: int


class TokenCheck(BaseModel):
    """The outcome of checking a token: an identity, or why there is none."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    identity: VerifiedIdentity | None
    reason: Reason

    @property
    def verified(self) -> bool:
        """Whether the token named a customer the store vouched for."""
        return self.identity is not None


def _key(secret: Secret) -> bytes:
    if isinstance(secret, SecretStr):
        secret = secret.get_secret_value()
    return secret.encode() if isinstance(secret, str) else bytes(secret)


def uses_demo_secret(secret: Secret) -> bool:
    """Whether ``secret`` is the published demo default (worth a warning at start-up outside a demo)."""
    return hmac.compare_digest(_key(secret), DEMO_IDENTITY_SECRET.encode())


def _signature(message: str, secret: Secret) -> str:
    digest = hmac.new(_key(secret), message.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_customer_token(
    customer_id: str, secret: Secret, ttl_s: int = DEFAULT_TTL_S, now: float | None = None
) -> str:
    """Sign a token for ``customer_id``, valid ``ttl_s`` seconds from ``now`` (UNIX seconds; default: now).

    This is what the store's website does when it renders a page for a signed-in
    customer; the assistant only uses it in tests and the demo page.

    Raises:
        ValueError: The id has characters outside visible ASCII or is too long,
            ``ttl_s`` is not positive, or the secret is empty.

    """
    if not _CUSTOMER_ID.fullmatch(customer_id):
        raise ValueError(f"customer ids in tokens are 1-{MAX_CUSTOMER_ID_LENGTH} visible ASCII characters")
    if ttl_s <= 0:
        raise ValueError("ttl_s must be positive")
    if not _key(secret):
        raise ValueError("the identity secret is empty")
    issued = time.time() if now is None else now
    message = f"{VERSION}.{customer_id}.{int(issued) + int(ttl_s)}"
    return f"{message}.{_signature(message, secret)}"


def _refused(reason: Reason) -> TokenCheck:
    return TokenCheck(identity=None, reason=reason)


def verify_customer_token(token: object, secret: Secret, now: float) -> TokenCheck:
    """Check a token at time ``now`` (UNIX seconds); never raises.

    Args:
        token: What the widget sent (any type: a non-string is malformed, None or "" missing).
        secret: The secret shared with the store. An empty secret verifies nothing.
        now: The current time in UNIX seconds.

    """
    if token is None or token == "":
        return _refused("missing")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return _refused("malformed")
    version, _, rest = token.partition(".")
    parts = rest.rsplit(".", 2)
    if version != VERSION or len(parts) != 3:
        return _refused("malformed")
    customer_id, expires, signature = parts
    if not (
        _CUSTOMER_ID.fullmatch(customer_id)
        and _EXPIRES.fullmatch(expires)
        and _SIGNATURE.fullmatch(signature)
    ):
        return _refused("malformed")
    try:
        key = _key(secret)
    except (TypeError, ValueError):
        return _refused("forged")
    if not key:
        return _refused("forged")
    expected = _signature(f"{VERSION}.{customer_id}.{expires}", key)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        return _refused("forged")
    if int(expires) <= now:
        return _refused("expired")
    return TokenCheck(
        identity=VerifiedIdentity(customer_id=customer_id, expires_at=int(expires)), reason="verified"
    )
