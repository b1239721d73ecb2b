"""What the accounts routes and middleware share for the life of the app."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from actions.keys import Keys
from web.accounts.csrf import LoginFormTokens
from web.accounts.passwords import Passwords
from web.accounts.ratelimit import LoginLimiter
from web.accounts.sessions import SessionStore
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.errors import WebSetupError

# Where AuthMiddleware leaves the services in each request's state.
STATE_KEY = "accounts"


@dataclass(frozen=True)
class AccountServices:
    """Settings plus the long-lived helpers; Redis-backed stores are made per request from these."""

    settings: AccountSettings
    # One hasher per process: its throwaway hash makes unknown usernames as slow as known ones.
    passwords: Passwords = field(default_factory=Passwords)

    def users(self, redis: Redis, keys: Keys) -> UserStore:
        """Return the user store on ``redis``."""
        return UserStore(redis, keys, self.passwords)

    def sessions(self, redis: Redis, keys: Keys) -> SessionStore:
        """Return the session store on ``redis``."""
        return SessionStore(redis, keys, self.settings)

    def limiter(self, redis: Redis, keys: Keys) -> LoginLimiter:
        """Return the sign-in limiter on ``redis``."""
        return LoginLimiter(redis, keys)

    @property
    def login_forms(self) -> LoginFormTokens:
        """The sign-in form's double-submit tokens."""
        return LoginFormTokens(self.settings)


def services_of(connection: HTTPConnection) -> AccountServices:
    """Return the services AuthMiddleware attached to this request.

    Raises:
        WebSetupError: AuthMiddleware is not installed in front of this route.

    """
    services = connection.scope.get("state", {}).get(STATE_KEY)
    if not isinstance(services, AccountServices):
        raise WebSetupError("AuthMiddleware must wrap the app that serves the account routes")
    return services
