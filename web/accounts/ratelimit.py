"""Sign-in limits: failures counted per username and per client address in fixed windows.

Each counter (``keys.login_attempts("user:<name>")`` / ``("addr:<address>")``)
starts a 15-minute window at its first failure and expires with it. A username
that reached its limit is refused without checking the password, even the right
one, until the window ends; a successful sign-in clears that username's counter
(not the address's, so one address cannot try many names forever).
"""

from __future__ import annotations

from redis.asyncio import Redis

from actions.keys import Keys
from actions.redis_edge import store_call
from web.accounts.models import USERNAME_PATTERN

MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
# Also the TTL of each counter.
FAILURE_WINDOW_S = 15 * 60


class LoginLimiter:
    """Counts failed sign-ins and says when an attempt must be refused."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        *,
        per_user: int = MAX_FAILURES_PER_USER,
        per_address: int = MAX_FAILURES_PER_ADDRESS,
        window_s: int = FAILURE_WINDOW_S,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._per_user = per_user
        self._per_address = per_address
        self._window_s = window_s

    async def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until another attempt is allowed, or None if this one may go ahead."""
        checks = [(self._address_key(address), self._per_address)]
        if user_key := self._user_key(username):
            checks.append((user_key, self._per_user))
        with store_call("read the sign-in limits"):
            counts = await self._redis.mget([key for key, _ in checks])
            waits = []
            for (key, limit), count in zip(checks, counts, strict=True):
                if count is not None and int(count) >= limit:
                    ttl = await self._redis.ttl(key)
                    waits.append(ttl if ttl > 0 else self._window_s)
        return max(waits) if waits else None

    async def record_failure(self, username: str, address: str) -> None:
        """Count one failed attempt against the username (if well formed) and the address."""
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in filter(None, (self._user_key(username), self._address_key(address))):
                pipe.incr(key)
                # NX: the window runs from the first failure; later failures do not extend it.
                pipe.expire(key, self._window_s, nx=True)
            with store_call("count a failed sign-in"):
                await pipe.execute()

    async def reset(self, username: str) -> None:
        """Forget the username's failures after a successful sign-in."""
        if user_key := self._user_key(username):
            with store_call("reset the sign-in limit"):
                await self._redis.delete(user_key)

    def _user_key(self, username: str) -> str | None:
        # Names that cannot exist are not counted per name: no keys made of attacker text.
        return self._keys.login_attempts(f"user:{username}") if USERNAME_PATTERN.fullmatch(username) else None

    def _address_key(self, address: str) -> str:
        return self._keys.login_attempts(f"addr:{address[:64]}")
