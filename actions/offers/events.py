"""The offer event stream: every exposure, control hold, click and acceptance.

Entries are flat string fields (Redis stream entries are), written by the Lua
scripts in ``actions/offers/caps.py`` in the same step as the counters they
change, and read back into ``OfferEvent`` by analytics and tests.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.asyncio import Redis

from actions.errors import StoreDataError
from actions.keys import Keys
from actions.redis_edge import store_call, text

EventType = Literal["exposure", "control", "click", "accept"]
ANONYMOUS = "anonymous"


class OfferEvent(BaseModel):
    """One entry of ``offers:events``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: EventType
    rule: str
    kind: Literal["upsell", "service_recovery"]
    variant: str = Field(description="'' for a control hold: nothing was shown")
    segment: str = Field(description="segment id, '' when unknown")
    conversation: str
    customer: str = Field(description="customer id, or 'anonymous'")
    version: int = Field(ge=0, description="rule-set version the decision used")
    ts: float = Field(description="Unix time in seconds")
    entry_id: str = ""

    def fields(self) -> list[str]:
        """Field/value pairs, flattened, as XADD takes them."""
        pairs: list[str] = []
        for name, value in self.model_dump(exclude={"entry_id"}).items():
            pairs += [name, str(value)]
        return pairs


async def read_events(redis: Redis, keys: Keys, count: int = 1000) -> list[OfferEvent]:
    """Read the oldest ``count`` events still in the stream, oldest first."""
    with store_call("read offer events"):
        raw = await redis.xrange(keys.offer_events, count=count)
    events = []
    for entry_id, entry in cast(list[tuple[Any, dict[Any, Any]]], raw or []):
        fields = {text(name): text(value) for name, value in entry.items()}
        try:
            events.append(OfferEvent.model_validate({**fields, "entry_id": text(entry_id)}))
        except ValidationError as error:
            raise StoreDataError(f"{keys.offer_events} entry {text(entry_id)} is malformed") from error
    return events
