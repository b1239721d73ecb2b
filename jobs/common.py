"""What every command-line tool starts with: its parser, logging, and a Redis client it closes."""

from __future__ import annotations

import argparse
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.settings import Settings


def tool_parser(module: str, doc: str | None) -> argparse.ArgumentParser:
    """A parser for ``python -m <module>``, described by the first line of the module's docstring."""
    return argparse.ArgumentParser(prog=f"python -m {module}", description=(doc or "").partition("\n")[0])


def store_parser(module: str, doc: str | None) -> argparse.ArgumentParser:
    """``tool_parser`` with ``--redis-url`` and ``--prefix``, defaulting to REDIS_URL and CS_KEY_PREFIX."""
    settings = Settings()
    parser = tool_parser(module, doc)
    parser.add_argument("--redis-url", default=settings.redis_url, help="default: REDIS_URL")
    parser.add_argument(
        "--prefix", default=settings.cs_key_prefix, help="key prefix (default: CS_KEY_PREFIX)"
    )
    return parser


def configure_logging() -> None:
    """Warnings and errors on stderr, one line each; a tool's own output goes to stdout."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@asynccontextmanager
async def async_redis(url: str) -> AsyncIterator[AsyncRedis]:
    """An asyncio client for ``url``, closed when the block ends."""
    redis = AsyncRedis.from_url(url)
    try:
        yield redis
    finally:
        await redis.aclose()


@contextmanager
def sync_redis(url: str) -> Iterator[Redis]:
    """A synchronous client for ``url`` (offline runs), closed when the block ends."""
    redis = Redis.from_url(url)
    try:
        yield redis
    finally:
        redis.close()
