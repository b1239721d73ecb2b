"""Signed-in console sessions: a random id in a signed cookie, the session itself in Redis.

The cookie carries ``itsdangerous``-signed session id (its timestamp is checked
against the session lifetime too); Redis holds ``Session`` JSON under
``keys.web_session(sha256(id))``, so reading Redis does not hand out usable cookies.
Its TTL is the idle timeout (``WEB_IDLE_MINUTES``), renewed by every request: a
session nobody used for that long is gone. However busy, a session ends at its
absolute lifetime (``WEB_SESSION_HOURS``, checked against ``created_at``). Signing
out deletes the Redis entry: the cookie is dead even if someone kept a copy.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime
from typing import Final

from itsdangerous import BadSignature, TimestampSigner
from pydantic import BaseModel, ConfigDict, ValidationError
from redis.asyncio import Redis
from starlette.responses import Response

from actions.keys import Keys
from actions.redis_edge import store_call
from web.accounts.models import StoredUser
from web.accounts.settings import AccountSettings

logger = logging.getLogger(__name__)

# Distinct salts keep a session cookie from ever verifying as a sign-in form token.
SESSION_SALT = "brightcart.console.session"
# 256 bits from the OS generator.
SESSION_ID_BYTES = 32
CSRF_TOKEN_BYTES = 32
# Lax, not Strict: a link to the console from e-mail or chat must arrive signed in.
# Cross-site POSTs still come without the cookie, and CSRF tokens guard the rest.
SESSION_SAMESITE: Final = "lax"


class Session(BaseModel):
    """What Redis remembers about one sign-in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str
    csrf_token: str
    created_at: datetime
    # The user's password_changed_at when they signed in; a later change ends the session.
    password_changed_at: datetime


def new_token() -> str:
    """Make a fresh unguessable token (session ids and CSRF tokens)."""
    return secrets.token_urlsafe(CSRF_TOKEN_BYTES)


class SessionStore:
    """Creates, reads and ends sessions, and reads and writes the session cookie."""

    def __init__(self, redis: Redis, keys: Keys, settings: AccountSettings) -> None:
        self._redis = redis
        self._keys = keys
        self._settings = settings
        self._signer = TimestampSigner(settings.web_secret_key.get_secret_value(), salt=SESSION_SALT)

    async def create(self, user: StoredUser) -> tuple[str, Session]:
        """Start a session for ``user``; returns the new session id and the session."""
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        session = Session(
            username=user.username,
            csrf_token=new_token(),
            created_at=datetime.now(UTC),
            password_changed_at=user.password_changed_at,
        )
        with store_call("store a console session"):
            await self._redis.set(
                self._key(session_id),
                session.model_dump_json(),
                ex=self._settings.idle_timeout_s,
                nx=True,
            )
        return session_id, session

    async def load(self, session_id: str, *, touch: bool = True) -> Session | None:
        """Return the live session with that id; None when it ended, idled out, expired or is unreadable.

        Args:
            session_id: the id from the cookie.
            touch: a request of the user's: the idle timeout starts again (GETEX, one round
                trip). False for checks that are not the user's doing (the live stream's).

        """
        key = self._key(session_id)
        with store_call("read a console session"):
            if touch:
                raw = await self._redis.getex(key, ex=self._settings.idle_timeout_s)
            else:
                raw = await self._redis.get(key)
        if raw is None:
            return None
        try:
            session = Session.model_validate_json(raw)
        except ValidationError:
            logger.warning("console session %s… is malformed; ending it", session_id[:6])
            await self.delete(session_id)
            return None
        age_s = (datetime.now(UTC) - session.created_at).total_seconds()
        if age_s > self._settings.session_lifetime_s:
            logger.info("console session of %s reached its lifetime; ending it", session.username)
            await self.delete(session_id)
            return None
        return session

    async def delete(self, session_id: str) -> None:
        """End a session on the server side."""
        with store_call("end a console session"):
            await self._redis.delete(self._key(session_id))

    def session_id_of(self, cookie: str | None) -> str | None:
        """Return the session id in a cookie if the signature is ours and younger than the lifetime."""
        if not cookie:
            return None
        try:
            raw = self._signer.unsign(cookie, max_age=self._settings.session_lifetime_s)
        except BadSignature:  # SignatureExpired is a BadSignature
            return None
        return raw.decode("ascii", errors="replace")

    def set_cookie(self, response: Response, session_id: str) -> None:
        """Send the signed session cookie: HttpOnly, SameSite=Lax, Path=/, Max-Age = lifetime."""
        response.set_cookie(
            self._settings.session_cookie,
            self._signer.sign(session_id).decode("ascii"),
            max_age=self._settings.session_lifetime_s,
            **self._settings.cookie_flags(SESSION_SAMESITE),
        )

    def clear_cookie(self, response: Response) -> None:
        """Tell the browser to drop the session cookie."""
        response.delete_cookie(self._settings.session_cookie, **self._settings.cookie_flags(SESSION_SAMESITE))

    def _key(self, session_id: str) -> str:
        return self._keys.web_session(hashlib.sha256(session_id.encode()).hexdigest())
