"""Translate Redis failures into the project's errors at the accounts' storage edge."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from redis.exceptions import RedisError

from actions.errors import StoreUnavailable

T = TypeVar("T")


async def call(awaitable: Awaitable[T]) -> T:
    """Await one Redis command; RedisError becomes StoreUnavailable."""
    try:
        return await awaitable
    except RedisError as error:
        raise StoreUnavailable("Redis did not answer") from error


def text(value: bytes | str) -> str:
    """Return a Redis reply as text, whether or not the client decodes responses."""
    return value.decode() if isinstance(value, bytes) else value
