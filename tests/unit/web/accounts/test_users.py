from __future__ import annotations

import json
from typing import cast

import pytest
from argon2 import PasswordHasher
from redis.asyncio import Redis

from actions.errors import StoreDataError
from actions.keys import Keys
from web.accounts.errors import AccountInvalid, UserExists, UserNotFound
from web.accounts.models import StoredUser, User, new_user
from web.accounts.passwords import Passwords
from web.accounts.users import UserStore

PASSWORD = "correct horse battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@pytest.mark.parametrize(
    ("username", "name", "role", "problem"),
    [
        ("Sam", "Sam Lee", "agent", "username: must be 3-40 characters: lowercase letters, digits"),
        ("sa", "Sam Lee", "agent", "username: must be 3-40"),
        ("s" * 41, "Sam Lee", "agent", "username: must be 3-40"),
        ("sam lee", "Sam Lee", "agent", "username: must be 3-40"),
        ("sam", "   ", "agent", "display_name: must not be empty"),
        ("sam", "x" * 81, "agent", "display_name: must be at most 80 characters"),
        ("sam", "Sam\nLee", "agent", "display_name: must not contain control characters"),
        ("sam", "Sam Lee", "boss", "role: must be one of agent, marketer, admin"),
    ],
)
def test_validation_names_the_field(username: str, name: str, role: str, problem: str) -> None:
    with pytest.raises(AccountInvalid) as raised:
        new_user(username, name, role)
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_every_wrong_field_is_named_at_once() -> None:
    with pytest.raises(AccountInvalid) as raised:
        new_user("X", "", "boss")
    assert [p.split(":")[0] for p in raised.value.problems] == ["username", "display_name", "role"]


def test_valid_user_keeps_dots_dashes_underscores_and_trims_the_name() -> None:
    assert new_user("sam.lee_2-x", "  Sam Lee ", "admin") == User(
        username="sam.lee_2-x", display_name="Sam Lee", role="admin"
    )


async def test_create_get_list_and_delete(redis: Redis, keys: Keys) -> None:
    store = UserStore(redis, keys, Passwords(CHEAP))
    created = await store.create("sam", "Sam Lee", "agent", PASSWORD)
    await store.create("mia", "Mia Chen", "marketer", PASSWORD)
    assert created == User(username="sam", display_name="Sam Lee", role="agent")
    raw = json.loads(cast(bytes, await redis.get("test:web:user:sam")))
    assert raw["password_hash"].startswith("$argon2id$") and PASSWORD not in json.dumps(raw)
    assert await redis.ttl("test:web:user:sam") == -1  # accounts never expire
    assert await redis.smembers("test:web:users") == {b"sam", b"mia"}
    assert [u.username for u in await store.all()] == ["mia", "sam"]
    stored = await store.get("sam")
    assert isinstance(stored, StoredUser) and stored.public() == created
    await store.delete("sam")
    assert await store.get("sam") is None and await redis.smembers("test:web:users") == {b"mia"}
    with pytest.raises(UserNotFound, match="username: no console user 'sam'"):
        await store.delete("sam")


async def test_duplicate_username_and_bad_password_are_refused(redis: Redis, keys: Keys) -> None:
    store = UserStore(redis, keys, Passwords(CHEAP))
    await store.create("sam", "Sam Lee", "agent", PASSWORD)
    with pytest.raises(UserExists, match="username: 'sam' is already taken"):
        await store.create("sam", "Other Sam", "admin", PASSWORD)
    with pytest.raises(AccountInvalid, match="password: must be at least 10 characters"):
        await store.create("tom", "Tom", "agent", "short")
    with pytest.raises(AccountInvalid, match="password: must be at most 1024 characters"):
        await store.create("tom", "Tom", "agent", "x" * 1025)
    assert (await store.get("sam")).display_name == "Sam Lee"  # type: ignore[union-attr]


async def test_authenticate_and_set_password(redis: Redis, keys: Keys) -> None:
    store = UserStore(redis, keys, Passwords(CHEAP))
    await store.create("sam", "Sam Lee", "agent", PASSWORD)
    assert (await store.authenticate("sam", PASSWORD)).username == "sam"  # type: ignore[union-attr]
    assert await store.authenticate("sam", "wrong password!") is None
    assert await store.authenticate("nobody", PASSWORD) is None
    assert await store.authenticate("NOT VALID", PASSWORD) is None
    before = await store.get("sam")
    await store.set_password("sam", "a brand new passphrase")
    after = await store.get("sam")
    assert before and after and after.password_changed_at > before.password_changed_at
    assert await store.authenticate("sam", PASSWORD) is None
    assert await store.authenticate("sam", "a brand new passphrase") is not None
    with pytest.raises(UserNotFound):
        await store.set_password("ghost", "a brand new passphrase")


async def test_sign_in_upgrades_a_hash_made_with_old_parameters(redis: Redis, keys: Keys) -> None:
    await UserStore(redis, keys, Passwords(CHEAP)).create("sam", "Sam Lee", "agent", PASSWORD)
    current = UserStore(redis, keys, Passwords())
    old_hash = (await current.get("sam")).password_hash  # type: ignore[union-attr]
    assert "m=8192,t=1,p=1" in old_hash
    assert await current.authenticate("sam", "wrong password!") is None
    assert (await current.get("sam")).password_hash == old_hash  # type: ignore[union-attr]  # not on failure
    assert await current.authenticate("sam", PASSWORD) is not None
    new_hash = (await current.get("sam")).password_hash  # type: ignore[union-attr]
    assert "m=65536,t=3,p=4" in new_hash
    assert await current.authenticate("sam", PASSWORD) is not None


async def test_malformed_stored_user_is_a_store_data_error(redis: Redis, keys: Keys) -> None:
    await redis.set("test:web:user:sam", '{"username": "sam"}')
    with pytest.raises(StoreDataError, match="test:web:user:sam"):
        await UserStore(redis, keys).get("sam")
