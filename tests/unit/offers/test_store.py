from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from actions.errors import OfferRuleNotFound, OfferRulesConflict, OfferRulesInvalid
from actions.keys import Keys
from actions.offers.demo import load_demo_rules
from actions.offers.rules import RuleSet
from actions.offers.store import RuleStore
from tests.unit.offers.builders import make_rule, rule_data, rule_set


async def test_before_any_save_there_are_no_rules(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    assert await store.current_version() == 0
    assert await store.current() is None
    assert await store.current_rules() == (0, RuleSet())
    assert await store.history() == []


async def test_each_save_is_a_new_version_and_old_versions_stay_readable(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    first = await store.save(rule_set(rule_data("a"), rule_data("b")), "alice", note="first")
    second = await store.save(rule_set(rule_data("a", priority=5), rule_data("c")), "bob")
    assert (first.version, second.version, second.parent) == (1, 2, 1)
    assert await store.current_version() == 2
    assert [r.id for r in (await store.get(1)).rules] == ["a", "b"]
    assert [r.id for r in (await store.get(2)).rules] == ["a", "c"]
    assert await redis.exists(keys.offer_rules_version(1), keys.offer_rules_version(2)) == 2
    with pytest.raises(OfferRuleNotFound):
        await store.get(3)


async def test_the_audit_log_says_who_when_and_what_changed(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    await store.save(rule_set(rule_data("a"), rule_data("b")), "alice", note="launch")
    await store.save(
        rule_set(rule_data("a", priority=5, variants=[{"id": "a", "message": "new words"}]), rule_data("c")),
        "bob",
    )
    newest, oldest = await store.history()
    assert (oldest.version, oldest.author, oldest.action, oldest.note) == (1, "alice", "load", "launch")
    assert oldest.changes.added == ["a", "b"]
    assert (newest.version, newest.parent, newest.author) == (2, 1, "bob")
    assert newest.changes.added == ["c"] and newest.changes.removed == ["b"]
    assert newest.changes.changed == {"a": ["priority", "variants[0].message"]}
    assert newest.saved_at >= oldest.saved_at
    assert (await store.diff(1, 2)) == newest.changes
    assert (await store.diff(0, 1)).added == ["a", "b"]


async def test_single_rule_operations_each_make_an_audited_version(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    await store.create(make_rule("a"), "alice")
    await store.create(make_rule("b", priority=3), "alice")
    await store.update(make_rule("a", name="Renamed"), "bob")
    await store.disable("b", "carol")
    await store.enable("b", "carol")
    await store.delete("a", "dave")
    version, rules = await store.current_rules()
    assert version == 6
    assert [r.id for r in rules.rules] == ["b"] and rules.rules[0].enabled and rules.rules[0].priority == 3
    history = await store.history()
    assert [(h.action, h.author, h.note) for h in history] == [
        ("delete", "dave", "a"),
        ("enable", "carol", "b"),
        ("disable", "carol", "b"),
        ("update", "bob", "a"),
        ("create", "alice", "b"),
        ("create", "alice", "a"),
    ]
    assert history[2].changes.changed == {"b": ["enabled"]}
    assert history[3].changes.changed == {"a": ["name"]}
    assert history[0].changes.removed == ["a"]


async def test_single_rule_operations_refuse_unknown_or_duplicate_ids(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    await store.create(make_rule("a"), "alice")
    with pytest.raises(OfferRulesInvalid, match="already exists"):
        await store.create(make_rule("a"), "alice")
    for operation in (store.enable, store.disable, store.delete):
        with pytest.raises(OfferRuleNotFound, match="nope"):
            await operation("nope", "alice")
    with pytest.raises(OfferRuleNotFound):
        await store.update(make_rule("nope"), "alice")
    with pytest.raises(OfferRulesInvalid, match="author: must not be empty"):
        await store.enable("a", "  ")
    assert await store.current_version() == 1


async def test_rollback_makes_a_new_version_equal_to_the_old_one(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    await store.save(rule_set(rule_data("a"), rule_data("b")), "alice")
    await store.disable("a", "bob")
    await store.delete("b", "bob")
    restored = await store.rollback(1, "carol")
    assert restored.version == 4 and restored.parent == 3
    assert restored.rule_set == (await store.get(1)).rule_set
    entry = (await store.history(limit=1))[0]
    assert (entry.action, entry.author, entry.note) == ("rollback", "carol", "rollback to version 1")
    assert entry.changes.added == ["b"] and entry.changes.changed == {"a": ["enabled"]}
    assert len(await store.history()) == 4  # the rolled-back versions are still in the history
    with pytest.raises(OfferRuleNotFound):
        await store.rollback(9, "carol")


async def test_a_save_from_a_stale_version_is_refused_and_saves_nothing(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    await store.save(rule_set(rule_data("a")), "alice")
    await store.disable("a", "bob")
    with pytest.raises(OfferRulesConflict) as caught:
        await store.update(make_rule("a", priority=9), "carol", expected_version=1)
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    assert "version 2 is now current" in str(caught.value)
    assert await store.current_version() == 2
    assert len(await store.history()) == 2


async def test_concurrent_saves_from_the_same_version_let_exactly_one_through(
    redis_url: str, redis: Redis, keys: Keys
) -> None:
    await RuleStore(redis, keys).save(rule_set(rule_data("a")), "alice")
    # Separate pools, as two web-app replicas would have.
    clients = [Redis.from_url(redis_url) for _ in range(10)]
    try:
        stores = [RuleStore(client, keys) for client in clients]
        results = await asyncio.gather(
            *(
                s.update(make_rule("a", priority=i), f"m{i}", expected_version=1)
                for i, s in enumerate(stores)
            ),
            return_exceptions=True,
        )
    finally:
        for client in clients:
            await client.aclose()
    saved = [r for r in results if not isinstance(r, BaseException)]
    conflicts = [r for r in results if isinstance(r, OfferRulesConflict)]
    assert len(saved) == 1 and len(conflicts) == 9
    version, rules = await RuleStore(redis, keys).current_rules()
    assert version == 2 and rules.rules[0].priority == saved[0].rules[0].priority


async def test_concurrent_edits_never_lose_an_update(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    await store.save(rule_set(*(rule_data(f"r{i}") for i in range(20))), "alice")
    results = await asyncio.gather(
        *(store.disable(f"r{i}", "bob") for i in range(20)), return_exceptions=True
    )
    saved = [r for r in results if not isinstance(r, BaseException)]
    assert all(isinstance(r, OfferRulesConflict) for r in results if isinstance(r, BaseException))
    assert saved, "at least the first edit goes through"
    version, rules = await store.current_rules()
    # Every edit that reported success is in the rules in force: none was overwritten.
    assert version == 1 + len(saved) == len(await store.history())
    disabled = {r.id for r in rules.rules if not r.enabled}
    assert disabled == {r.note for r in saved}


async def test_stored_rules_are_validated_again_on_load(redis: Redis, keys: Keys) -> None:
    store = RuleStore(redis, keys)
    await store.save(rule_set(rule_data("a")), "alice")
    raw = await redis.get(keys.offer_rules_version(1))
    assert isinstance(raw, bytes)
    await redis.set(keys.offer_rules_version(1), raw.replace(b'"message":"offer a"', b'"message":""'))
    with pytest.raises(OfferRulesInvalid) as caught:
        await store.current()
    assert caught.value.problems == ["rules[0].variants[0].message: must not be empty"]


async def test_demo_rules_load_once_and_never_overwrite_edits(redis: Redis, keys: Keys) -> None:
    first = await load_demo_rules(redis, keys)
    assert first is not None and first.version == 1 and first.author == "seed"
    await RuleStore(redis, keys).disable("apology-voucher", "alice")
    assert await load_demo_rules(redis, keys) is None
    assert (await load_demo_rules(redis, keys, replace=True)) is not None
