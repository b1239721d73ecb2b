"""Console users in Redis: one JSON string per user plus a set of usernames.

``keys.web_user(username)`` holds ``StoredUser`` JSON (argon2id hash included) and
``keys.web_users`` the set of usernames. Accounts are the record of who did what,
so they carry no TTL (see ``AUDIT_STREAM_MAXLEN`` in ``actions/keys.py``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pydantic import ValidationError
from redis.asyncio import Redis

from actions.errors import StoreDataError
from actions.keys import Keys
from actions.redis_edge import store_call, text
from web.accounts.errors import UserExists, UserNotFound
from web.accounts.models import (
    PASSWORD_MAX,
    USERNAME_PATTERN,
    StoredUser,
    User,
    check_password,
    new_user,
)
from web.accounts.passwords import Passwords

logger = logging.getLogger(__name__)

# Console accounts never expire: deleting one is an explicit, audited act.
WEB_USER_TTL_S: int | None = None


class UserStore:
    """Creates, reads, lists, re-passwords, deletes and authenticates console users."""

    def __init__(self, redis: Redis, keys: Keys, passwords: Passwords | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._passwords = passwords or Passwords()

    async def create(self, username: str, display_name: str, role: str, password: str) -> User:
        """Add a user.

        Raises:
            AccountInvalid: a field is malformed (the message names it).
            UserExists: the username is taken.

        """
        user = new_user(username, display_name, role)
        check_password(password)
        now = datetime.now(UTC)
        stored = StoredUser(
            **user.model_dump(),
            password_hash=await self._passwords.hash(password),
            created_at=now,
            password_changed_at=now,
        )
        # SET NX decides who wins a race for the name; the set only lists names.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.web_user(user.username), stored.model_dump_json(), nx=True, ex=WEB_USER_TTL_S)
            pipe.sadd(self._keys.web_users, user.username)
            with store_call("create a console user"):
                created, _ = await pipe.execute()
        if not created:
            raise UserExists(user.username)
        logger.info("console user %s created (role %s)", user.username, user.role)
        return user

    async def get(self, username: str) -> StoredUser | None:
        """Return the stored user, validated; None when there is none."""
        key = self._keys.web_user(username)
        with store_call("read a console user"):
            raw = await self._redis.get(key)
        if raw is None:
            return None
        try:
            return StoredUser.model_validate_json(raw)
        except ValidationError as error:
            raise StoreDataError(f"{key} is not a valid console user") from error

    async def all(self) -> list[StoredUser]:
        """Every user, by username."""
        with store_call("list the console users"):
            members = await self._redis.smembers(self._keys.web_users)
        names = sorted(text(name) for name in members)
        users = [await self.get(name) for name in names]
        return [user for user in users if user is not None]

    async def set_password(self, username: str, password: str) -> None:
        """Replace a user's password; every session signed in before ends.

        Raises:
            AccountInvalid: the password is too short or too long.
            UserNotFound: no such user.

        """
        check_password(password)
        stored = await self._require(username)
        updated = stored.model_copy(
            update={
                "password_hash": await self._passwords.hash(password),
                "password_changed_at": datetime.now(UTC),
            }
        )
        await self._replace(updated)
        logger.info("console user %s: password changed", username)

    async def set_canned_manager(self, username: str, allowed: bool) -> None:
        """Allow or stop an account managing the team's canned replies.

        Raises:
            UserNotFound: no such user.

        """
        stored = await self._require(username)
        await self._replace(stored.model_copy(update={"can_manage_canned": allowed}))
        logger.info("console user %s: may manage canned replies: %s", username, allowed)

    async def delete(self, username: str) -> None:
        """Remove a user; their sessions stop working at their next request.

        Raises:
            UserNotFound: no such user.

        """
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._keys.web_user(username))
            pipe.srem(self._keys.web_users, username)
            with store_call("delete a console user"):
                deleted, _ = await pipe.execute()
        if not deleted:
            raise UserNotFound(username)
        logger.info("console user %s deleted", username)

    async def authenticate(self, username: str, password: str) -> StoredUser | None:
        """Return the user if ``password`` is theirs, else None (unknown users cost the same time).

        A hash made with older argon2 parameters is replaced by one made with the
        current parameters once the password has been checked.
        """
        plausible = USERNAME_PATTERN.fullmatch(username) is not None and len(password) <= PASSWORD_MAX
        stored = await self.get(username) if plausible else None
        if stored is None:
            await self._passwords.waste_time(password[:PASSWORD_MAX])
            return None
        if not await self._passwords.verify(stored.password_hash, password):
            return None
        if self._passwords.needs_rehash(stored.password_hash):
            stored = stored.model_copy(update={"password_hash": await self._passwords.hash(password)})
            await self._replace(stored)
            logger.info("console user %s: password hash upgraded to current parameters", username)
        return stored

    async def _require(self, username: str) -> StoredUser:
        stored = await self.get(username)
        if stored is None:
            raise UserNotFound(username)
        return stored

    async def _replace(self, stored: StoredUser) -> None:
        # XX: a user deleted meanwhile stays deleted.
        key = self._keys.web_user(stored.username)
        with store_call("update a console user"):
            replaced = await self._redis.set(key, stored.model_dump_json(), xx=True, ex=WEB_USER_TTL_S)
        if not replaced:
            raise UserNotFound(stored.username)
