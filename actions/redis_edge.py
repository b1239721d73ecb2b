"""The one edge between our code and Redis: its errors become ours, its bytes become text.

Every store class talks to Redis through these two helpers, so a dead or slow Redis is
always a ``StoreUnavailable`` naming what could not be done, and no module writes its
own bytes-to-text function::

    with store_call("read the emotion timeline"):
        raw = await redis.lrange(key, 0, -1)
    names = [text(member) for member in raw]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from actions.errors import StoreUnavailable


@contextmanager
def store_call(what: str) -> Iterator[None]:
    """Turn a Redis failure inside the block into ``StoreUnavailable("could not <what>")``."""
    try:
        yield
    except RedisError as error:
        raise StoreUnavailable(f"could not {what}") from error


def text(value: bytes | str) -> str:
    """A Redis reply as text (clients are created without ``decode_responses``)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def optional_text(value: bytes | str | None) -> str | None:
    """``text`` that keeps a missing value missing."""
    return None if value is None else text(value)
