"""Whether the Redis a process is given keeps its data on disk, checked once at start-up.

Everything lives in Redis: the store, console accounts, offer rules, the handoff queue
and Rasa's trackers. A Redis with neither an append-only file (AOF) nor an RDB save
schedule loses all of it on restart, and an ``allkeys-*`` ``maxmemory-policy`` may
evict any of it under memory pressure. Each process (action server, web app, Rasa
server) asks its Redis at start-up and applies one policy:

- production (``CS_ENV=production``) refuses to start without persistence, naming the
  override ``REDIS_ALLOW_NO_PERSISTENCE=true``, and refuses an ``allkeys-*`` policy;
- the demo logs one WARNING line and starts;
- a Redis that does not answer is logged and the process starts as it always has
  (each one connects lazily and reports a dead Redis where it is used).

``CONFIG`` is often disabled on managed Redis; then the answer comes from ``INFO``
alone (``aof_enabled``, and whether RDB snapshots have been taken, since the save
schedule itself is not in ``INFO``) and the log says so. Standard library, redis-py and
our error classes only: the Rasa server (Python 3.10, redis-py 4, pydantic 1) imports it
too. See docs/deploy.md "Redis".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError
from redis.retry import Retry

from actions.deployment import ProductionRefused
from actions.errors import ConfigError

logger = logging.getLogger(__name__)

OVERRIDE = "REDIS_ALLOW_NO_PERSISTENCE"
# A start-up question to a Redis that answers in milliseconds; longer means it is down.
CHECK_TIMEOUT_S = 2.0
# maxmemory-policy values that may evict keys without a TTL: the store, accounts, rules.
EVICTS_PERSISTENT_KEYS = ("allkeys-",)
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("", "false", "0", "no", "off")
CONFIG_NAMES = ("appendonly", "save", "maxmemory-policy")
# Redis's failures, and the socket errors redis-py does not always wrap.
_FAILURES = (RedisError, OSError)


@dataclass(frozen=True)
class RedisPersistence:
    """What a Redis said about keeping its data.

    Attributes:
        address: ``host:port/db``, never a password.
        aof: The append-only file is on.
        rdb_schedule: ``CONFIG GET save`` ("3600 1 300 100", "" for none); None when
            CONFIG is unavailable and only ``INFO`` was read.
        rdb_snapshots_seen: ``INFO`` shows an RDB snapshot has been taken (used only
            when the schedule is unknown).
        maxmemory_policy: e.g. ``noeviction``; None if Redis did not say.
        source: ``config`` (CONFIG GET and INFO) or ``info`` (INFO only: CONFIG refused).

    """

    address: str
    aof: bool
    rdb_schedule: str | None
    rdb_snapshots_seen: bool
    maxmemory_policy: str | None
    source: Literal["config", "info"]

    @property
    def persists(self) -> bool:
        """Whether a restart keeps the data (AOF, or RDB snapshots)."""
        if self.aof:
            return True
        if self.rdb_schedule is None:
            return self.rdb_snapshots_seen
        return bool(self.rdb_schedule.strip())

    @property
    def evicts_persistent_keys(self) -> bool:
        """Whether the eviction policy may drop keys that have no TTL."""
        return (self.maxmemory_policy or "").startswith(EVICTS_PERSISTENT_KEYS)

    def describe(self) -> str:
        """The settings as Redis reported them, for log lines and refusals."""
        aof = f"appendonly {'yes' if self.aof else 'no'}"
        if self.rdb_schedule is None:
            rdb = "RDB snapshots taken" if self.rdb_snapshots_seen else "no RDB snapshot taken"
            return f"{aof}, {rdb}; read from INFO, CONFIG is not available"
        return (
            f'{aof}, save "{self.rdb_schedule}"'
            if self.rdb_schedule.strip()
            else f"{aof}, no RDB save schedule"
        )


@dataclass(frozen=True)
class PersistencePolicy:
    """What a process does with the answer: refuse (production) or warn (demo)."""

    production: bool
    allow_no_persistence: bool = False

    @classmethod
    def from_environment(cls, mode: str, environ: Mapping[str, str]) -> PersistencePolicy:
        """The policy for ``mode`` (``CS_ENV``), with the override read from ``environ``.

        Raises:
            ConfigError: ``REDIS_ALLOW_NO_PERSISTENCE`` is neither true nor false.

        """
        raw = environ.get(OVERRIDE, "").strip().lower()
        if raw not in _TRUE + _FALSE:
            raise ConfigError(f"{OVERRIDE} must be true or false, not {raw!r}")
        return cls(production=mode == "production", allow_no_persistence=raw in _TRUE)


def redis_address(url: str) -> str:
    """``host:port/db`` of a Redis URL, without its user or password."""
    parsed = urlparse(url)
    db = (parsed.path or "/0").lstrip("/") or "0"
    return f"{parsed.hostname or '127.0.0.1'}:{parsed.port or 6379}/{db}"


def check_client_options() -> dict[str, Any]:
    """Options of a synchronous client made for the check: short timeouts and a single try.

    redis-py 6+ retries a failed connection three times with back-off by default, which
    would hold a start-up for seconds on a Redis that is down.
    """
    return {
        "socket_timeout": CHECK_TIMEOUT_S,
        "socket_connect_timeout": CHECK_TIMEOUT_S,
        "retry": Retry(NoBackoff(), 0),
    }


def read_persistence(
    address: str, info: Mapping[str, Any], config: Mapping[str, str] | None
) -> RedisPersistence:
    """The typed answer from replies already read.

    Args:
        address: Where the replies came from (``host:port/db``).
        info: ``INFO persistence`` and ``INFO memory`` merged, as redis-py parses them.
        config: ``CONFIG GET`` of ``appendonly`` and ``save`` (and ``maxmemory-policy``
            if read); None when CONFIG was refused.

    """
    aof = _number(info.get("aof_enabled")) == 1
    policy = info.get("maxmemory_policy")
    if config is None:
        schedule = None
    else:
        aof = aof or config.get("appendonly", "").lower() == "yes"
        schedule = config.get("save", "")
        policy = config.get("maxmemory-policy", policy)
    snapshots = _number(info.get("rdb_saves")) > 0 or _number(info.get("rdb_last_bgsave_time_sec")) >= 0
    return RedisPersistence(
        address=address,
        aof=aof,
        rdb_schedule=schedule,
        rdb_snapshots_seen=snapshots,
        maxmemory_policy=None if policy is None else str(policy),
        source="info" if config is None else "config",
    )


def inspect_redis(client: Redis, address: str) -> RedisPersistence:
    """Ask a Redis (synchronous client) whether it persists; Redis errors propagate."""
    info = {**_mapping(client.info("persistence")), **_mapping(client.info("memory"))}
    try:
        replies: list[object] | None = [client.config_get(name) for name in CONFIG_NAMES]
    except ResponseError as refused:
        _config_refused(address, refused)
        replies = None
    return read_persistence(address, info, _config(replies))


async def inspect_redis_async(client: AsyncRedis, address: str) -> RedisPersistence:
    """``inspect_redis`` for an asyncio client."""
    info = {**_mapping(await client.info("persistence")), **_mapping(await client.info("memory"))}
    try:
        replies: list[object] | None = [await client.config_get(name) for name in CONFIG_NAMES]
    except ResponseError as refused:
        _config_refused(address, refused)
        replies = None
    return read_persistence(address, info, _config(replies))


def apply_policy(found: RedisPersistence, policy: PersistencePolicy) -> None:
    """Refuse (production) or log one WARNING (demo) for a Redis that may lose data.

    Raises:
        ProductionRefused: In production, no persistence without the override, or an
            ``allkeys-*`` eviction policy; the message names the setting.

    """
    if found.evicts_persistent_keys:
        message = (
            f"Redis at {found.address} has maxmemory-policy {found.maxmemory_policy}: under memory "
            "pressure it may evict the store, console accounts and offer rules"
        )
        if policy.production:
            raise ProductionRefused(f"{message}; set maxmemory-policy to noeviction or a volatile-* policy")
        logger.warning("%s (docs/deploy.md, Redis)", message)
    if found.persists:
        logger.info("Redis at %s persists: %s", found.address, found.describe())
        return
    lost = (
        f"Redis at {found.address} keeps nothing on disk: a restart loses conversations, "
        f"the handoff queue and accounts ({found.describe()})"
    )
    if not policy.production:
        logger.warning("%s; turn on appendonly for anything but a demo (docs/deploy.md, Redis)", lost)
    elif policy.allow_no_persistence:
        logger.warning("%s; starting anyway because %s=true", lost, OVERRIDE)
    else:
        raise ProductionRefused(
            f"{lost}: turn on appendonly (appendfsync everysec), or set {OVERRIDE}=true to start anyway"
        )


def check_redis_at_start(client: Redis, address: str, policy: PersistencePolicy) -> RedisPersistence | None:
    """Inspect ``client``'s Redis and apply ``policy``; None (logged) if it did not answer.

    Raises:
        ProductionRefused: As ``apply_policy``.

    """
    try:
        found = inspect_redis(client, address)
    except _FAILURES as error:
        _unchecked(address, error)
        return None
    apply_policy(found, policy)
    return found


async def check_redis_at_start_async(
    client: AsyncRedis, address: str, policy: PersistencePolicy
) -> RedisPersistence | None:
    """``check_redis_at_start`` for an asyncio client."""
    try:
        found = await inspect_redis_async(client, address)
    except _FAILURES as error:
        _unchecked(address, error)
        return None
    apply_policy(found, policy)
    return found


def _unchecked(address: str, error: BaseException) -> None:
    # Start as before: each process connects lazily and reports a dead Redis where it is used.
    logger.warning("Redis at %s did not answer the persistence check (%s): not checked", address, error)


def _config_refused(address: str, refused: ResponseError) -> None:
    # Managed Redis (ElastiCache, Memorystore, Azure...) renames CONFIG away or denies it by ACL.
    logger.info("CONFIG GET refused by Redis at %s (%s): judging persistence from INFO", address, refused)


def _config(replies: list[object] | None) -> dict[str, str] | None:
    """CONFIG GET replies merged, as text; None if CONFIG was refused."""
    if replies is None:
        return None
    return {_text(name): _text(value) for reply in replies for name, value in _mapping(reply).items()}


def _mapping(reply: object) -> Mapping[Any, Any]:
    return reply if isinstance(reply, Mapping) else {}


def _text(value: object) -> str:
    # Not actions.redis_edge.text: that module needs a newer redis-py than the Rasa server's.
    return value.decode("utf-8") if isinstance(value, bytes) else str(value or "")


def _number(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1
