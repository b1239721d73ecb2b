from __future__ import annotations

from argon2 import PasswordHasher

from web.accounts.passwords import Passwords

CHEAP = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


async def test_hash_is_argon2id_salted_and_verifies() -> None:
    passwords = Passwords()
    first, second = (
        await passwords.hash("correct horse battery"),
        await passwords.hash("correct horse battery"),
    )
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert first != second  # each hash has its own salt
    assert await passwords.verify(first, "correct horse battery")
    assert not await passwords.verify(first, "correct horse batterx")


async def test_malformed_hash_never_matches_and_needs_rehash() -> None:
    passwords = Passwords()
    assert not await passwords.verify("not-a-hash", "anything at all")
    assert passwords.needs_rehash("not-a-hash")


async def test_hash_with_other_parameters_needs_rehash() -> None:
    old = await Passwords(CHEAP).hash("correct horse battery")
    assert Passwords().needs_rehash(old)
    assert not Passwords(CHEAP).needs_rehash(old)
    assert await Passwords().verify(old, "correct horse battery")  # still verifies before the upgrade


async def test_waste_time_verifies_against_a_throwaway_hash() -> None:
    passwords = Passwords(CHEAP)
    await passwords.waste_time("whatever it is")
    assert passwords._dummy_hash is not None and passwords._dummy_hash.startswith("$argon2id$")
