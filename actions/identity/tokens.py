"""Customer tokens: the store's website vouches for a signed-in customer with an HMAC.

Format (version 2)::

    v2.<key_id>.<customer_id>.<expires_unix>.<signature>

* ``key_id``: which of the store's keys signed it, 1-16 of ``A-Z a-z 0-9 _ -``;
* ``customer_id``: the store's id, visible ASCII without spaces (dots allowed);
* ``expires_unix``: integer seconds since the epoch (UTC) after which the token is refused;
* ``signature``: HMAC-SHA256 over the ASCII bytes of ``v2.<key_id>.<customer_id>.<expires_unix>``
  with the key named by ``key_id``, encoded base64url without padding (43 characters).

The token is read from both ends (version and key id before the first two dots,
expiry and signature after the last two), so every token has exactly one reading,
and the signature covers everything before it: changing any part, or presenting one
customer's signature with another id, fails verification.

Keys rotate without a flag day (``KeyRing``): the store signs with the new key while
the assistant still accepts the previous one until a set time. A token whose expiry
lies further ahead than ``max_lifetime_s`` is refused whoever signed it, so a leaked
signing routine cannot mint tokens that stay good for a year.

Verification never raises: a missing, malformed, expired, over-long-lived, forged or
unknown-key token is simply not an identity (the visitor is anonymous), and
``TokenCheck.reason`` says which for the logs. The signature is checked before the
expiry, so a forged token is reported as forged even when its expiry is past.

Standard library only: the Rasa server (Python 3.10, its own pydantic) checks tokens
as messages arrive (``rasa_addons/customer_identity.py``), and the tools here sign them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

VERSION = "v2"
# DEMO DEFAULT, not a secret: `make run` signs and verifies demo tokens with it.
# Set CS_IDENTITY_SECRET (shared with the store's website) in any real deployment.
DEMO_IDENTITY_SECRET = "demo-identity-secret-change-me"
DEFAULT_KEY_ID = "k1"
DEFAULT_TTL_S = 3600
# A store renders a fresh token with each page; a day covers a long shopping session.
DEFAULT_MAX_LIFETIME_S = 24 * 3600
# Longest token accepted: a 16-character key id, a 64-character id, a 20-digit
# expiry and the signature fit with room to spare; anything longer is refused
# before any work is done.
MAX_TOKEN_LENGTH = 256
MAX_CUSTOMER_ID_LENGTH = 64
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
_CUSTOMER_ID = re.compile(rf"[\x21-\x7e]{{1,{MAX_CUSTOMER_ID_LENGTH}}}")
_EXPIRES = re.compile(r"[0-9]{1,20}")
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")

Reason = Literal["verified", "missing", "malformed", "expired", "too_long_lived", "unknown_key", "forged"]


@dataclass(frozen=True)
class VerifiedIdentity:
    """A customer id the store vouched for, and until when."""

    customer_id: str
    expires_at: int


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking a token: an identity, or why there is none."""

    identity: VerifiedIdentity | None
    reason: Reason

    @property
    def verified(self) -> bool:
        """Whether the token named a customer the store vouched for."""
        return self.identity is not None


class IdentityConfigError(ValueError):
    """A key ring setting is missing or malformed; the message names the variable."""


def _bytes(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else bytes(secret)


@dataclass(frozen=True, repr=False)
class SigningKey:
    """One of the store's signing keys and its id (``repr`` never shows the secret)."""

    key_id: str
    secret: bytes

    def __post_init__(self) -> None:
        if not _KEY_ID.fullmatch(self.key_id):
            raise ValueError("a key id is 1-16 of A-Z a-z 0-9 _ -")

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"


@dataclass(frozen=True)
class KeyRing:
    """The keys tokens are checked against: the current one, and the previous one until a time."""

    current: SigningKey
    previous: SigningKey | None = None
    previous_valid_until: float = 0.0
    max_lifetime_s: int = DEFAULT_MAX_LIFETIME_S

    @classmethod
    def single(cls, secret: str | bytes, key_id: str = DEFAULT_KEY_ID) -> KeyRing:
        """A ring of one key (tests, the command line, a deployment that never rotated)."""
        return cls(current=SigningKey(key_id, _bytes(secret)))

    def key(self, key_id: str, now: float) -> bytes | None:
        """The secret for ``key_id`` at ``now``; none for an unknown or retired key."""
        if key_id == self.current.key_id:
            return self.current.secret
        if self.previous is not None and key_id == self.previous.key_id and now < self.previous_valid_until:
            return self.previous.secret
        return None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> KeyRing:
        """The ring described by ``CS_IDENTITY_*`` variables (docs/segments.md, "Rotating the key").

        ``CS_IDENTITY_SECRET`` (default: the demo secret), ``CS_IDENTITY_KEY_ID`` (default k1),
        ``CS_IDENTITY_PREVIOUS_SECRET`` with ``CS_IDENTITY_PREVIOUS_KEY_ID`` and
        ``CS_IDENTITY_PREVIOUS_UNTIL`` (ISO 8601 with a time zone, or UNIX seconds), and
        ``CS_IDENTITY_MAX_LIFETIME_S``.

        Raises:
            IdentityConfigError: A variable is malformed or a rotation setting is incomplete.

        """
        current = _signing_key(
            "CS_IDENTITY_KEY_ID",
            environ.get("CS_IDENTITY_KEY_ID") or DEFAULT_KEY_ID,
            environ.get("CS_IDENTITY_SECRET") or DEMO_IDENTITY_SECRET,
        )
        previous = None
        until = 0.0
        if environ.get("CS_IDENTITY_PREVIOUS_SECRET"):
            for variable in ("CS_IDENTITY_PREVIOUS_KEY_ID", "CS_IDENTITY_PREVIOUS_UNTIL"):
                if not environ.get(variable):
                    raise IdentityConfigError(f"{variable} is required with CS_IDENTITY_PREVIOUS_SECRET")
            previous = _signing_key(
                "CS_IDENTITY_PREVIOUS_KEY_ID",
                environ["CS_IDENTITY_PREVIOUS_KEY_ID"],
                environ["CS_IDENTITY_PREVIOUS_SECRET"],
            )
            if previous.key_id == current.key_id:
                raise IdentityConfigError("CS_IDENTITY_PREVIOUS_KEY_ID must differ from CS_IDENTITY_KEY_ID")
            until = _instant("CS_IDENTITY_PREVIOUS_UNTIL", environ["CS_IDENTITY_PREVIOUS_UNTIL"])
        lifetime = environ.get("CS_IDENTITY_MAX_LIFETIME_S") or str(DEFAULT_MAX_LIFETIME_S)
        if not lifetime.isdigit() or int(lifetime) <= 0:
            raise IdentityConfigError("CS_IDENTITY_MAX_LIFETIME_S must be a positive number of seconds")
        return cls(current, previous, until, int(lifetime))


def _signing_key(variable: str, key_id: str, secret: str) -> SigningKey:
    try:
        return SigningKey(key_id, _bytes(secret))
    except ValueError as error:
        raise IdentityConfigError(f"{variable}: {error}") from None


def _instant(variable: str, value: str) -> float:
    if value.isdigit():
        return float(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise IdentityConfigError(f"{variable} must be ISO 8601 or UNIX seconds, not {value!r}") from None
    if moment.tzinfo is None:
        raise IdentityConfigError(f"{variable} needs a time zone (e.g. 2027-01-31T12:00:00+00:00)")
    return moment.timestamp()


def _signature(message: str, secret: bytes) -> str:
    digest = hmac.new(secret, message.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_customer_token(
    customer_id: str,
    secret: str | bytes,
    ttl_s: int = DEFAULT_TTL_S,
    now: float | None = None,
    key_id: str = DEFAULT_KEY_ID,
) -> str:
    """Sign a token for ``customer_id`` with key ``key_id``, valid ``ttl_s`` seconds from ``now``.

    This is what the store's website does when it renders a page for a signed-in
    customer; the assistant only uses it in tests and the demo page. ``now`` is in
    UNIX seconds (default: now).

    Raises:
        ValueError: The id has characters outside visible ASCII or is too long, the
            key id is malformed, ``ttl_s`` is not positive, or the secret is empty.

    """
    if not _CUSTOMER_ID.fullmatch(customer_id):
        raise ValueError(f"customer ids in tokens are 1-{MAX_CUSTOMER_ID_LENGTH} visible ASCII characters")
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError("a key id is 1-16 of A-Z a-z 0-9 _ -")
    if ttl_s <= 0:
        raise ValueError("ttl_s must be positive")
    if not _bytes(secret):
        raise ValueError("the identity secret is empty")
    issued = time.time() if now is None else now
    message = f"{VERSION}.{key_id}.{customer_id}.{int(issued) + int(ttl_s)}"
    return f"{message}.{_signature(message, _bytes(secret))}"


def _refused(reason: Reason) -> TokenCheck:
    return TokenCheck(identity=None, reason=reason)


def verify_customer_token(token: object, keys: KeyRing, now: float) -> TokenCheck:
    """Check a token at time ``now`` (UNIX seconds) against ``keys``; never raises.

    ``token`` is what the widget sent, of any type: a non-string is malformed,
    None or "" missing. A key ring whose key is empty verifies nothing.
    """
    if token is None or token == "":
        return _refused("missing")
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return _refused("malformed")
    version, _, rest = token.partition(".")
    key_id, _, rest = rest.partition(".")
    parts = rest.rsplit(".", 2)
    if version != VERSION or len(parts) != 3:
        return _refused("malformed")
    customer_id, expires, signature = parts
    if not (
        _KEY_ID.fullmatch(key_id)
        and _CUSTOMER_ID.fullmatch(customer_id)
        and _EXPIRES.fullmatch(expires)
        and _SIGNATURE.fullmatch(signature)
    ):
        return _refused("malformed")
    secret = keys.key(key_id, now)
    if secret is None:
        return _refused("unknown_key")
    if not secret:
        return _refused("forged")
    expected = _signature(f"{VERSION}.{key_id}.{customer_id}.{expires}", secret)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        return _refused("forged")
    if int(expires) <= now:
        return _refused("expired")
    if int(expires) - now > keys.max_lifetime_s:
        return _refused("too_long_lived")
    return TokenCheck(
        identity=VerifiedIdentity(customer_id=customer_id, expires_at=int(expires)), reason="verified"
    )
