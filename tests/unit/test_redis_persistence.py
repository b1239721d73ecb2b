"""Whether a Redis keeps its data: production refuses one that does not, the demo warns.

The parsing runs on recorded INFO and CONFIG replies; the rest asks the real Redis of
``--redis-url`` (``TEST_REDIS_URL``). It only reads INFO and CONFIG, which are
server-wide, and writes nothing, so no database is flushed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import ResponseError

from actions.deployment import ProductionRefused
from actions.errors import ConfigError
from actions.redis_persistence import (
    OVERRIDE,
    PersistencePolicy,
    RedisPersistence,
    apply_policy,
    check_client_options,
    check_redis_at_start,
    check_redis_at_start_async,
    inspect_redis,
    read_persistence,
    redis_address,
)

ADDRESS = "redis.internal:6379/0"
# INFO persistence + INFO memory of a Redis 7 that has never written to disk (abridged).
INFO_NOTHING = {
    "loading": 0,
    "rdb_changes_since_last_save": 2123119,
    "rdb_saves": 0,
    "rdb_last_bgsave_status": "ok",
    "rdb_last_bgsave_time_sec": -1,
    "aof_enabled": 0,
    "maxmemory_policy": "noeviction",
}
CONFIG_NOTHING = {"appendonly": "no", "save": "", "maxmemory-policy": "noeviction"}
PRODUCTION = PersistencePolicy(production=True)
DEMO = PersistencePolicy(production=False)
LOGGER = "actions.redis_persistence"


def _found(info: dict[str, Any] | None = None, config: dict[str, str] | None = None) -> RedisPersistence:
    return read_persistence(ADDRESS, {**INFO_NOTHING, **(info or {})}, config)


def test_no_aof_and_no_save_schedule_keeps_nothing() -> None:
    found = _found(config=CONFIG_NOTHING)
    assert (found.persists, found.evicts_persistent_keys, found.source) == (False, False, "config")
    assert found.describe() == "appendonly no, no RDB save schedule"


@pytest.mark.parametrize(
    ("info", "config"),
    [
        ({"aof_enabled": 1}, {**CONFIG_NOTHING, "appendonly": "yes"}),
        ({}, {**CONFIG_NOTHING, "save": "3600 1 300 100 60 10000"}),
        ({"aof_enabled": 1}, None),  # CONFIG refused: INFO still shows the AOF
        ({"rdb_saves": 3, "rdb_last_bgsave_time_sec": 0}, None),  # ... or snapshots taken
    ],
)
def test_an_append_only_file_or_rdb_snapshots_persist(
    info: dict[str, Any], config: dict[str, str] | None
) -> None:
    assert _found(info, config).persists


def test_without_config_the_answer_comes_from_info_and_says_so() -> None:
    found = _found(config=None)
    assert (found.persists, found.source, found.rdb_schedule) == (False, "info", None)
    assert found.describe() == "appendonly no, no RDB snapshot taken; read from INFO, CONFIG is not available"


@pytest.mark.parametrize(
    ("policy", "evicts"),
    [("allkeys-lru", True), ("allkeys-lfu", True), ("allkeys-random", True), ("volatile-lru", False)],
)
def test_only_allkeys_policies_may_evict_keys_without_a_ttl(policy: str, evicts: bool) -> None:
    assert _found(config={**CONFIG_NOTHING, "maxmemory-policy": policy}).evicts_persistent_keys is evicts
    assert _found({"maxmemory_policy": policy}, None).evicts_persistent_keys is evicts


def test_production_refuses_no_persistence_naming_the_override() -> None:
    with pytest.raises(ProductionRefused, match=f"keeps nothing on disk.*{OVERRIDE}=true"):
        apply_policy(_found(config=CONFIG_NOTHING), PRODUCTION)


def test_the_override_starts_production_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    apply_policy(_found(config=CONFIG_NOTHING), PersistencePolicy(production=True, allow_no_persistence=True))
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1 and f"{OVERRIDE}=true" in warnings[0]


def test_the_demo_logs_one_warning_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    apply_policy(_found(config=CONFIG_NOTHING), DEMO)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == [
        f"Redis at {ADDRESS} keeps nothing on disk: a restart loses conversations, the handoff queue and "
        "accounts (appendonly no, no RDB save schedule); turn on appendonly for anything but a demo "
        "(docs/deploy.md, Redis)"
    ]


def test_production_refuses_an_allkeys_policy_even_with_persistence(caplog: pytest.LogCaptureFixture) -> None:
    lru = {**CONFIG_NOTHING, "appendonly": "yes", "maxmemory-policy": "allkeys-lru"}
    allowed = PersistencePolicy(production=True, allow_no_persistence=True)
    with pytest.raises(ProductionRefused, match="maxmemory-policy allkeys-lru.*noeviction"):
        apply_policy(_found({"aof_enabled": 1}, lru), allowed)
    caplog.set_level(logging.WARNING, LOGGER)
    apply_policy(_found({"aof_enabled": 1}, lru), DEMO)
    assert [record.levelno for record in caplog.records if record.name == LOGGER] == [logging.WARNING]
    assert "may evict the store" in caplog.records[0].getMessage()


def test_a_persisting_redis_starts_production_silently(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    apply_policy(_found({"aof_enabled": 1}, {**CONFIG_NOTHING, "appendonly": "yes"}), PRODUCTION)
    assert [record for record in caplog.records if record.name == LOGGER] == []


def test_the_override_is_read_strictly() -> None:
    assert PersistencePolicy.from_environment("production", {OVERRIDE: "true"}).allow_no_persistence
    assert PersistencePolicy.from_environment("production", {}) == PRODUCTION
    assert PersistencePolicy.from_environment("demo", {OVERRIDE: "false"}) == DEMO
    with pytest.raises(ConfigError, match=OVERRIDE):
        PersistencePolicy.from_environment("production", {OVERRIDE: "ture"})


def test_the_address_never_shows_a_password() -> None:
    assert redis_address("redis://user:s3cret@redis.internal:6380/4") == "redis.internal:6380/4"
    assert redis_address("redis://127.0.0.1") == "127.0.0.1:6379/0"


# --- The real Redis of --redis-url -------------------------------------------------------------


@pytest.fixture
def client(redis_url: str) -> Iterator[Redis]:
    with Redis.from_url(redis_url, socket_timeout=2) as redis:
        yield redis


@pytest.fixture
def non_persisting(client: Redis, redis_url: str) -> RedisPersistence:
    found = inspect_redis(client, redis_address(redis_url))
    if found.persists:
        pytest.skip("the test Redis persists: the refusal needs one that keeps nothing on disk")
    return found


def test_the_real_redis_answers_as_its_config_says(client: Redis, redis_url: str) -> None:
    found = inspect_redis(client, redis_address(redis_url))
    config = client.config_get("appendonly")
    assert found.source == "config"
    assert found.aof is (config["appendonly"] == "yes")
    assert found.maxmemory_policy == client.config_get("maxmemory-policy")["maxmemory-policy"]


def test_production_refuses_the_real_redis_without_persistence(
    client: Redis, redis_url: str, non_persisting: RedisPersistence
) -> None:
    with pytest.raises(ProductionRefused, match=OVERRIDE):
        check_redis_at_start(client, redis_address(redis_url), PRODUCTION)
    allowed = PersistencePolicy.from_environment("production", {OVERRIDE: "true"})
    assert check_redis_at_start(client, redis_address(redis_url), allowed) == non_persisting


class _ManagedRedis(Redis):
    """A Redis whose CONFIG command is renamed away, as on most managed services."""

    def config_get(self, *args: Any, **kwargs: Any) -> Any:
        raise ResponseError("unknown command 'CONFIG', with args beginning with: 'GET'")


def test_a_managed_redis_without_config_is_judged_from_info(
    redis_url: str, non_persisting: RedisPersistence, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, LOGGER)
    with _ManagedRedis.from_url(redis_url, socket_timeout=2) as managed:
        with pytest.raises(ProductionRefused, match="CONFIG is not available"):
            check_redis_at_start(managed, redis_address(redis_url), PRODUCTION)
    assert any("CONFIG GET refused" in record.getMessage() for record in caplog.records)


async def test_the_web_apps_asyncio_client_gets_the_same_answer(
    redis_url: str, non_persisting: RedisPersistence, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    client = AsyncRedis.from_url(redis_url, socket_timeout=2)
    try:
        assert await check_redis_at_start_async(client, redis_address(redis_url), DEMO) == non_persisting
    finally:
        await client.aclose()
    assert [record.levelno for record in caplog.records if record.name == LOGGER] == [logging.WARNING]


@pytest.mark.parametrize("policy", [PRODUCTION, DEMO])
def test_a_redis_that_does_not_answer_is_logged_and_not_checked(
    policy: PersistencePolicy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    with Redis(port=1, **check_client_options()) as dead:
        assert check_redis_at_start(dead, "127.0.0.1:1/0", policy) is None
    assert "did not answer the persistence check" in caplog.records[0].getMessage()
