"""What console sign-in needs for the life of the app: its settings and its stores on the app's Redis."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from redis.asyncio import Redis

from actions.keys import Keys
from web.accounts.csrf import LoginFormTokens
from web.accounts.models import User
from web.accounts.passwords import Passwords
from web.accounts.ratelimit import LoginLimiter
from web.accounts.sessions import Session, SessionStore
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore

logger = logging.getLogger(__name__)


@dataclass
class AccountServices:
    """Sign-in settings, users, sessions, limits and form tokens; part of the app's ``WebServices``."""

    settings: AccountSettings
    redis: Redis
    keys: Keys
    # One hasher per process: its throwaway hash makes unknown usernames as slow as known ones.
    passwords: Passwords = field(default_factory=Passwords)

    @cached_property
    def users(self) -> UserStore:
        """The console users."""
        return UserStore(self.redis, self.keys, self.passwords)

    @cached_property
    def sessions(self) -> SessionStore:
        """Signed-in sessions and their cookie."""
        return SessionStore(self.redis, self.keys, self.settings)

    @cached_property
    def limiter(self) -> LoginLimiter:
        """Failed sign-ins per username and address."""
        return LoginLimiter(self.redis, self.keys)

    @cached_property
    def login_forms(self) -> LoginFormTokens:
        """The sign-in form's double-submit tokens."""
        return LoginFormTokens(self.settings)

    async def signed_in(self, session_id: str, *, touch: bool = True) -> tuple[User, Session] | None:
        """The user and session behind a session id, or None when the session is over.

        Over: signed out, idle or past its lifetime, or the account was deleted or its
        password changed since (the session is then deleted). ``touch``: see
        ``SessionStore.load``.

        Raises:
            StoreUnavailable: Redis did not answer.

        """
        session = await self.sessions.load(session_id, touch=touch)
        if session is None:
            return None
        stored = await self.users.get(session.username)
        if stored is None or stored.password_changed_at != session.password_changed_at:
            logger.info("console session of %s ended: account deleted or password changed", session.username)
            await self.sessions.delete(session_id)
            return None
        return stored.public(), session
