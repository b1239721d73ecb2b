"""Every key of one kind (all customer profiles, all handoff records) read in batches and validated.

The dashboard and the preview look at the whole store: a SCAN finds the keys, then
MGET (strings) or pipelined HGET (one field of each hash) reads them ``BATCH`` at a
time, so no single call holds Redis up.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis

from actions.redis_edge import store_call, text

# Keys per SCAN step, and keys read per MGET or pipeline.
SCAN_COUNT = 1000
BATCH = 500

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_models(
    redis: Redis, match: str, model: type[ModelT], what: str, *, field: str | None = None
) -> tuple[list[ModelT], list[str]]:
    """Every key matching ``match`` read as ``model``, and the names of the keys that did not parse.

    Args:
        redis: the app's Redis.
        match: the keys' pattern, e.g. ``keys.profile("*")``.
        model: what each value holds.
        what: what the read is, completing "could not ..." when Redis fails.
        field: read this field of each hash; None: the keys are strings.

    A string that expired between the scan and the read is left out; a hash without
    ``field`` counts as not parsed.

    Raises:
        StoreUnavailable: Redis did not answer.

    """
    kind = "STRING" if field is None else "HASH"
    with store_call(what):
        names = [text(name) async for name in redis.scan_iter(match=match, count=SCAN_COUNT, _type=kind)]
        values: list[bytes | str | None] = []
        for offset in range(0, len(names), BATCH):
            batch = names[offset : offset + BATCH]
            if field is None:
                values.extend(await redis.mget(batch))
                continue
            async with redis.pipeline(transaction=False) as pipe:
                for name in batch:
                    pipe.hget(name, field)
                values.extend(await pipe.execute())
    parsed: list[ModelT] = []
    unreadable: list[str] = []
    for name, raw in zip(names, values, strict=True):
        if raw is None and field is None:
            continue
        try:
            parsed.append(model.model_validate_json(raw or b""))
        except ValidationError:
            unreadable.append(name)
    return parsed, unreadable
