"""Sign-in limits: attempts counted per username and per client address in fixed windows, atomically.

Each counter (``keys.login_attempts("user:<name>")`` / ``("addr:<address>")``)
starts a 15-minute window at its first attempt and expires with it. Every attempt is
counted *before* its password is checked, in one MULTI/EXEC (INCR, EXPIRE NX, TTL),
so parallel attempts each get their own count: once a counter passes its limit the
attempt is refused without checking the password, even the right one, until the
window ends. 50 wrong passwords sent at once verify at most 5. A successful sign-in
clears the username's counter and takes its own attempt off the address's count
(not the failures: one address cannot try many names forever).
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
# KEYS[1]: the address's counter, KEYS[2] (if any): the username's. A count that would
# reach zero (or below, had the window just ended) is deleted, never left without a TTL.
_SUCCEEDED = """
if redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
if KEYS[2] then redis.call('DEL', KEYS[2]) end
return 1
"""


class LoginLimiter:
    """Counts sign-in attempts and says when one must be refused (before its password is checked)."""

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

    async def attempt(self, username: str, address: str) -> int | None:
        """Count one attempt; return the seconds to wait if it must be refused, None if it may go ahead.

        Raises:
            StoreUnavailable: Redis did not answer.

        """
        checks = [(self._address_key(address), self._per_address)]
        if user_key := self._user_key(username):
            checks.append((user_key, self._per_user))
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, _ in checks:
                pipe.incr(key)
                # NX: the window runs from the first attempt; later ones do not extend it.
                pipe.expire(key, self._window_s, nx=True)
                pipe.ttl(key)
            with store_call("count a sign-in attempt"):
                replies = await pipe.execute()
        waits = [
            ttl if ttl > 0 else self._window_s
            for (_, limit), count, ttl in zip(checks, replies[0::3], replies[2::3], strict=True)
            if int(count) > limit
        ]
        return max(waits) if waits else None

    async def succeeded(self, username: str, address: str) -> None:
        """After a successful sign-in: forget the username's count, and this attempt on the address's."""
        user_key = self._user_key(username)
        keys = [self._address_key(address), *([user_key] if user_key else [])]
        with store_call("reset the sign-in limit"):
            await self._redis.eval(_SUCCEEDED, len(keys), *keys)

    def _user_key(self, username: str) -> str | None:
        # Names that cannot exist are not counted per name: no keys made of attacker text.
        return self._keys.login_attempts(f"user:{username}") if USERNAME_PATTERN.fullmatch(username) else None

    def _address_key(self, address: str) -> str:
        return self._keys.login_attempts(f"addr:{address[:64]}")
