"""Async Redis on the flushed test database, key names, and a customer with data in every place."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from actions.emotion.detector import EmotionReading
from actions.emotion.timeline import EmotionTimeline, TimelineEntry
from actions.feedback.csat import CsatRecorder, CsatScore
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.identity.tokens import DEMO_IDENTITY_SECRET, sign_customer_token
from actions.keys import Keys
from actions.offers.events import OfferEvent
from actions.privacy.index import link_conversation
from actions.store.lookup_limits import LookupLimits
from web.accounts.audit import audit
from web.agent.notes import Note, NoteBook


@pytest.fixture
async def redis(redis_client: SyncRedis, redis_url: str) -> AsyncIterator[Redis]:
    # redis_client flushes the database before and after the test.
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def keys() -> Keys:
    return Keys("test")


@dataclass(frozen=True)
class Person:
    customer_id: str
    first_name: str
    last_name: str
    email: str
    order_id: str
    conversations: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def identifiers(self) -> tuple[str, ...]:
        return (self.customer_id, self.email, self.full_name)


SUBJECT = Person("C10002", "Maren", "Oakhurst", "maren.oakhurst@example.com", "104500", ("conv-a", "conv-b"))
# Another customer whose data must survive the subject's erasure (an id that starts the same).
BYSTANDER = Person("C100021", "Ivo", "Brandt", "ivo.brandt@example.com", "104501", ("conv-z",))


def _tracker(person: Person, cid: str) -> str:
    token = sign_customer_token(person.customer_id, DEMO_IDENTITY_SECRET, 600)
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": time.time()},
        {"event": "session_started", "timestamp": time.time()},
        {"event": "slot", "name": "customer_id", "value": person.customer_id, "timestamp": time.time()},
        {"event": "user", "text": f"my e-mail is {person.email}", "metadata": {"customer_token": token}},
        {"event": "bot", "text": f"Hello {person.first_name}!"},
    ]
    return json.dumps({"sender_id": cid, "slots": {"customer_id": person.customer_id}, "events": events})


async def give_data(redis: Redis, keys: Keys, person: Person, *, indexed: bool = True) -> None:
    """Write the person's data the way the assistant, Rasa and the consoles do."""
    customer = {"id": person.customer_id, "first_name": person.first_name, "last_name": person.last_name,
                "email": person.email, "country": "DE", "created_at": "2024-01-02"}  # fmt: skip
    order = {"id": person.order_id, "customer_id": person.customer_id, "email": person.email,
             "status": "delivered", "total": 12.5}  # fmt: skip
    await redis.set(keys.customer(person.customer_id), json.dumps(customer))
    await redis.sadd(keys.customer_ids, person.customer_id)
    await redis.set(keys.order(person.order_id), json.dumps(order))
    await redis.sadd(keys.order_ids, person.order_id)
    await redis.zadd(keys.customer_orders(person.customer_id), {person.order_id: 1_700_000_000})
    await redis.set(keys.profile(person.customer_id), json.dumps({"customer_id": person.customer_id}))
    limits = LookupLimits(redis, keys, 3)
    await limits.record_failure(person.order_id, person.email)
    timeline, handoff = EmotionTimeline(redis, keys), HandoffQueue(redis, keys)
    csat = CsatRecorder(redis, keys)
    for cid in person.conversations:
        if indexed:
            await link_conversation(redis, keys, person.customer_id, cid)
        await redis.set(keys.tracker(cid), _tracker(person, cid), ex=3600)
        token = sign_customer_token(person.customer_id, DEMO_IDENTITY_SECRET, 600)
        user = {"event": "user", "text": "hi", "metadata": {"customer_token": token}}
        await redis.xadd(keys.events, {"sender_id": cid, "type": "user", "event": json.dumps(user)})
        slot = {"event": "slot", "name": "customer_id", "value": person.customer_id}
        await redis.xadd(keys.events, {"sender_id": cid, "type": "slot", "event": json.dumps(slot)})
        await timeline.append(cid, TimelineEntry(reading=EmotionReading.neutral()), 5)
        await handoff.enqueue(HandoffRequest(conversation_id=cid, reason="customer asked for a person"))
        await csat.record(CsatScore(conversation_id=cid, score=4))
        await audit(redis, keys, "agent", "handoff.close", cid, {"note": f"refunded {person.full_name}"})
        note = Note(author="agent", author_name="Sam Lee", text=f"{person.full_name}: use {person.email}")
        await NoteBook(redis, keys).add(cid, note)
        for rule in ("rule-a", "rule-b"):
            event = OfferEvent(type="exposure", rule=rule, kind="upsell", variant="v", segment="1",
                               conversation=cid, customer=person.customer_id, version=1,
                               ts=time.time())  # fmt: skip
            pairs = event.fields()
            await redis.xadd(keys.offer_events, dict(zip(pairs[::2], pairs[1::2], strict=True)))
            await redis.zadd(keys.offer_seen(rule, f"customer:{person.customer_id}"), {f"{cid}-1": 1})
        await redis.set(keys.offer_accepted("rule-a", cid), "1")
    await audit(redis, keys, "admin", "customer.view", person.customer_id, {})
    await audit(redis, keys, "admin", "note", "console", {"text": f"called {person.email}"})


async def all_text(redis: Redis) -> str:
    """Every key name, value and stream entry of the database, as one text."""
    parts: list[str] = []
    async for raw_key in redis.scan_iter(count=1000):
        key = raw_key.decode()
        parts.append(key)
        kind = (await redis.type(key)).decode()
        if kind == "string":
            parts.append((await redis.get(key)).decode())
        elif kind == "list":
            parts += [item.decode() for item in await redis.lrange(key, 0, -1)]
        elif kind == "set":
            parts += [item.decode() for item in await redis.smembers(key)]
        elif kind == "zset":
            parts += [item.decode() for item in await redis.zrange(key, 0, -1)]
        elif kind == "hash":
            parts += [f"{k.decode()}={v.decode()}" for k, v in (await redis.hgetall(key)).items()]
        elif kind == "stream":
            for _, fields in await redis.xrange(key):
                parts += [f"{k.decode()}={v.decode()}" for k, v in fields.items()]
    return "\n".join(parts)
