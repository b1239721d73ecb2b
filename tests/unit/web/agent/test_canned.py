"""Canned replies: variables checked at save, filled at insert, never sent unfilled; the store in Redis."""

from __future__ import annotations

import json

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from actions.keys import Keys
from jobs.accounts import EXIT_INVALID, main
from web.agent.canned import CannedInvalid, CannedStore, fill, new_reply, unfilled

KEYS = Keys("cs")
GREETING = "Hi {first_name}, {agent_name} here from {store_name}. Order #{order_id} is on its way."


def test_an_unknown_variable_is_refused_at_save_naming_the_field_and_the_variable() -> None:
    with pytest.raises(CannedInvalid) as refused:
        new_reply("hello", "Greeting", "Hi {frist_name}, and {first name}!", "sam")
    [problem] = refused.value.problems
    assert problem.startswith("text: unknown variable {frist_name}, {first name}; the variables are")
    assert "{first_name}" in problem


def test_each_wrong_field_is_named() -> None:
    with pytest.raises(CannedInvalid) as refused:
        new_reply("Hello There", "", "  ", "sam")
    fields = sorted(p.split(":")[0] for p in refused.value.problems)
    assert fields == ["shortcut", "text", "title"]
    assert any("lowercase" in p for p in refused.value.problems)


def test_known_values_are_filled_and_missing_ones_stay_visible_for_the_agent() -> None:
    reply = new_reply("where", "Where is my order", GREETING, "sam")
    filled = fill(reply, {"first_name": "Laura", "agent_name": "Sam Lee", "store_name": "Brightcart",
                          "order_id": None})  # fmt: skip
    assert filled.text == "Hi Laura, Sam Lee here from Brightcart. Order #{order_id} is on its way."
    assert filled.missing == ["order_id"]
    # What is left is exactly what the reply route refuses to send.
    assert unfilled(filled.text) == ["order_id"]
    assert unfilled("Braces {like this} are not variables; {agent_name} is") == ["agent_name"]
    blank = fill(reply, {"first_name": "  ", "agent_name": "Sam"})
    assert "{first_name}" in blank.text and blank.missing == ["first_name", "store_name", "order_id"]


@pytest.mark.integration
async def test_the_store_adds_renames_refuses_a_taken_shortcut_and_deletes(redis: Redis) -> None:
    store = CannedStore(redis, KEYS)
    await store.save(new_reply("hello", "Greeting", "Hi {first_name}", "sam"))
    await store.save(new_reply("bye", "Goodbye", "Bye!", "sam"))
    with pytest.raises(CannedInvalid, match="shortcut: /hello is already taken"):
        await store.save(new_reply("hello", "Another", "Hello again", "kim"))
    with pytest.raises(CannedInvalid, match="shortcut: /bye is already taken"):
        await store.save(new_reply("bye", "Renamed", "Hi", "kim"), replaces="hello")
    await store.save(new_reply("hi", "Greeting", "Hi {first_name}!", "kim"), replaces="hello")
    assert [(r.shortcut, r.text, r.updated_by) for r in await store.all()] == [
        ("bye", "Bye!", "sam"),
        ("hi", "Hi {first_name}!", "kim"),
    ]
    await store.save(new_reply("hi", "Greeting", "Hello {first_name}!", "sam"), replaces="hi")
    assert (await store.get("hi")).text == "Hello {first_name}!"  # type: ignore[union-attr]
    assert await store.delete("bye") and not await store.delete("bye")
    assert await store.get("bye") is None
    assert await redis.ttl(KEYS.canned_replies) == -1  # the team's wording never expires


@pytest.mark.integration
def test_the_accounts_cli_grants_and_withdraws_the_permission_on_the_account(
    sync_redis: SyncRedis, redis_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(*args: str) -> tuple[int, str]:
        status = main(["--redis-url", redis_url, "--prefix", "cs", *args])
        return status, capsys.readouterr().out

    monkeypatch.setenv("PW", "correct horse battery")
    run("create-user", "sam", "--role", "agent", "--name", "Sam Lee", "--password-env", "PW")
    assert run("canned-manager", "sam", "--allow") == (0, "'sam' may manage canned replies\n")
    assert json.loads(sync_redis.get(KEYS.web_user("sam")) or "{}")["can_manage_canned"] is True
    assert "(manages canned replies)" in run("list-users")[1]
    assert run("canned-manager", "sam", "--deny")[0] == 0
    assert json.loads(sync_redis.get(KEYS.web_user("sam")) or "{}")["can_manage_canned"] is False
    assert run("canned-manager", "nobody", "--allow")[0] == EXIT_INVALID
    audited = [f[b"action"] for _, f in sync_redis.xrange(KEYS.audit)]
    assert audited.count(b"account.canned_manager") == 2
