"""Finds the Redis the assistant uses, starting a local one when none answers."""

from __future__ import annotations

import logging
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from redis import Redis
from redis.exceptions import RedisError

from stack.processes import ManagedProcess

logger = logging.getLogger(__name__)

DEFAULT_URL = "redis://127.0.0.1:6379/0"
LOCAL_PORT = 6379


class RedisNotAvailable(RuntimeError):
    """No Redis answers and none can be started here."""


@dataclass(frozen=True)
class RedisEndpoint:
    """The parts of a Redis URL that Rasa's endpoints.yml needs."""

    url: str

    def rasa_environment(self) -> dict[str, str]:
        """REDIS_HOST/PORT/DB/PASSWORD for bot/endpoints.yml."""
        parsed = urlparse(self.url)
        db = (parsed.path or "/0").lstrip("/") or "0"
        return {
            "REDIS_URL": self.url,
            "REDIS_HOST": parsed.hostname or "127.0.0.1",
            "REDIS_PORT": str(parsed.port or 6379),
            "REDIS_DB": db,
            "REDIS_PASSWORD": parsed.password or "",
        }


def answers(url: str, timeout_s: float = 1.0) -> bool:
    """Whether a Redis at ``url`` answers PING."""
    try:
        client = Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        return bool(client.ping())
    except (RedisError, OSError):
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def resolve(
    configured_url: str | None, data_dir: Path, log_dir: Path
) -> tuple[RedisEndpoint, ManagedProcess | None]:
    """REDIS_URL if set; else the Redis on 127.0.0.1:6379; else a local redis-server.

    The local server keeps an append-only file in ``data_dir/redis`` so a restart
    loses nothing. Returns the endpoint and the process we started, if any.
    """
    if configured_url:
        if not answers(configured_url):
            raise RedisNotAvailable(f"REDIS_URL={configured_url} does not answer")
        return RedisEndpoint(configured_url), None
    if answers(DEFAULT_URL):
        logger.info("using the Redis already running on 127.0.0.1:%d", LOCAL_PORT)
        return RedisEndpoint(DEFAULT_URL), None
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisNotAvailable(
            "no Redis answers on 127.0.0.1:6379 and redis-server is not installed: "
            "install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL"
        )
    if not _port_free(LOCAL_PORT):
        raise RedisNotAvailable("port 6379 is taken by something that is not Redis; set REDIS_URL")
    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    process = ManagedProcess(
        "redis",
        [binary, "--port", str(LOCAL_PORT), "--bind", "127.0.0.1", "--dir", str(redis_dir),
         "--appendonly", "yes", "--save", ""],
        log_dir / "redis.log",
    )  # fmt: skip
    process.start()
    deadline = time.monotonic() + 10
    while not answers(DEFAULT_URL):
        if time.monotonic() > deadline or not process.running:
            process.stop()
            raise RedisNotAvailable(f"redis-server did not start; see {log_dir / 'redis.log'}")
        time.sleep(0.1)
    logger.info("started redis-server with append-only persistence in %s", redis_dir)
    return RedisEndpoint(DEFAULT_URL), process
