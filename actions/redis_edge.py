"""The one edge between our code and Redis: its errors become ours, its bytes become text.

Every store class talks to Redis through these helpers, so a dead or slow Redis is
always a ``StoreUnavailable`` naming what could not be done, a malformed value a
``StoreDataError`` naming its key, and no module writes its own bytes-to-text function::

    with store_call("read the emotion timeline"):
        raw = await redis.lrange(key, 0, -1)
    names = [text(member) for member in raw]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar, cast

from pydantic import BaseModel, ValidationError
from redis.exceptions import RedisError
from redis.typing import ZSetRangeResponse

from actions.errors import StoreDataError, StoreUnavailable

ModelT = TypeVar("ModelT", bound=BaseModel)

# redis-py wraps most socket failures in its own errors, but an asyncio timeout
# (TimeoutError is an OSError) or a raw socket error can still escape it.
_FAILURES = (RedisError, OSError)


@contextmanager
def store_call(what: str, *, with_cause: bool = False) -> Iterator[None]:
    """Turn a Redis failure inside the block into ``StoreUnavailable("could not <what>")``.

    Args:
        what: What the block does, completing "could not ...".
        with_cause: Append Redis's own message (": Connection refused"), for the
            offline tools, whose operators read only the message.

    """
    try:
        yield
    except _FAILURES as error:
        cause = f": {error}" if with_cause else ""
        raise StoreUnavailable(f"could not {what}{cause}") from error


def text(value: bytes | str) -> str:
    """A Redis reply as text (clients are created without ``decode_responses``)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def optional_text(value: bytes | str | None) -> str | None:
    """``text`` that keeps a missing value missing."""
    return None if value is None else text(value)


def parse_stored(model: type[ModelT], raw: bytes | str, key: str) -> ModelT:
    """The JSON value read from ``key`` as a ``model``; ``StoreDataError`` naming the key if it is not one."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise StoreDataError(f"{key} does not hold a valid {model.__name__}") from error


def members(reply: ZSetRangeResponse) -> list[str]:
    """The members of a sorted-set range read without scores, as text."""
    # Without ``withscores`` the reply holds members only; the stub's type covers both forms.
    return [text(member) for member in cast(list[bytes | str], reply)]
