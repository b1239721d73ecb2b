"""What console sign-in needs for the life of the app: its settings and its stores on the app's Redis."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from redis.asyncio import Redis

from actions.keys import Keys
from web.accounts.csrf import LoginFormTokens
from web.accounts.passwords import Passwords
from web.accounts.ratelimit import LoginLimiter
from web.accounts.sessions import SessionStore
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore


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
