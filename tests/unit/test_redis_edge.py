"""The Redis edge: failures become StoreUnavailable, replies become text (no live Redis needed)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from actions.emotion.timeline import EmotionTimeline
from actions.errors import StoreDataError, StoreUnavailable
from actions.keys import Keys
from actions.redis_edge import members, optional_text, parse_stored, store_call, text

# Nothing listens on port 1: every command fails to connect.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.mark.parametrize(
    "failure", [RedisConnectionError("refused"), ResponseError("WRONGTYPE"), TimeoutError("slow")]
)
def test_a_redis_failure_becomes_store_unavailable_naming_what_failed(failure: Exception) -> None:
    with pytest.raises(StoreUnavailable) as caught, store_call("read the handoff queue"):
        raise failure
    assert str(caught.value) == "could not read the handoff queue"
    assert caught.value.__cause__ is failure


def test_with_cause_appends_redis_s_own_message() -> None:
    with pytest.raises(StoreUnavailable, match=r"^could not read the store: Connection refused$"):
        with store_call("read the store", with_cause=True):
            raise RedisConnectionError("Connection refused")


def test_other_errors_pass_through_untouched() -> None:
    with pytest.raises(StoreDataError, match="malformed"), store_call("read the store"):
        raise StoreDataError("malformed")
    with pytest.raises(KeyError), store_call("read the store"):
        raise KeyError("missing")


def test_nothing_happens_when_the_block_succeeds() -> None:
    with store_call("read the store"):
        value = 1
    assert value == 1


async def test_a_store_on_a_dead_redis_raises_store_unavailable() -> None:
    redis = Redis.from_url(DEAD_REDIS_URL, socket_connect_timeout=1)
    try:
        with pytest.raises(StoreUnavailable, match="^could not read the emotion timeline$"):
            await EmotionTimeline(redis, Keys("test")).read("conversation-1")
    finally:
        await redis.aclose()


def test_text_decodes_bytes_as_utf8_and_keeps_text() -> None:
    assert text(b"caf\xc3\xa9") == "café"
    assert text("café") == "café"
    assert text(b"") == ""


def test_optional_text_keeps_a_missing_value_missing() -> None:
    assert optional_text(None) is None
    assert optional_text(b"v3") == "v3"
    assert optional_text("v3") == "v3"


def test_members_decodes_a_sorted_set_range() -> None:
    assert members([b"order-1", "order-2"]) == ["order-1", "order-2"]
    assert members([]) == []


class _Version(BaseModel):
    number: int


def test_parse_stored_reads_json_and_names_the_key_when_it_is_malformed() -> None:
    assert parse_stored(_Version, b'{"number": 3}', "cs:meta") == _Version(number=3)
    with pytest.raises(StoreDataError, match="^cs:meta does not hold a valid _Version$"):
        parse_stored(_Version, b'{"number": "three"}', "cs:meta")
