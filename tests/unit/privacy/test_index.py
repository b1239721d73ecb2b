"""The index from a customer to their conversations, kept at session start."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from redis.asyncio import Redis

from actions.dialogue.session import ActionSessionStart
from actions.identity.tokens import DEMO_IDENTITY_SECRET, sign_customer_token
from actions.keys import PRIVACY_INDEX_TTL_S, Keys
from actions.privacy.index import link_conversation, linked_conversations
from actions.services import Services
from actions.settings import Settings


async def test_linking_adds_the_conversation_and_refreshes_the_lifetime(redis: Redis, keys: Keys) -> None:
    assert await link_conversation(redis, keys, "C1", "conv-a")
    await redis.expire(keys.customer_conversations("C1"), 10)
    assert await link_conversation(redis, keys, "C1", "conv-b")
    assert await linked_conversations(redis, keys, "C1") == {"conv-a", "conv-b"}
    assert PRIVACY_INDEX_TTL_S - 5 < await redis.ttl(keys.customer_conversations("C1")) <= PRIVACY_INDEX_TTL_S
    assert await linked_conversations(redis, keys, "C2") == set()


async def test_a_dead_redis_does_not_stop_the_session_from_starting() -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        assert await link_conversation(dead, Keys("test"), "C1", "conv-a") is False
    finally:
        await dead.aclose()


def _tracker(sender_id: str, metadata: dict[str, Any]) -> Tracker:
    slots = {"session_started_metadata": metadata}
    return Tracker(sender_id, slots, {}, [], False, None, {}, "action_listen")


async def test_a_verified_customer_s_session_start_indexes_the_conversation(
    redis: Redis, redis_url: str
) -> None:
    services = Services(Settings(redis_url=redis_url, cs_key_prefix="test"))
    token = sign_customer_token("C10042", DEMO_IDENTITY_SECRET, 600)
    events = await ActionSessionStart(services).run(
        CollectingDispatcher(), _tracker("conv-signed", {"customer_token": token}), {}
    )
    assert {"event": "slot", "name": "customer_id", "value": "C10042"}.items() <= next(
        e for e in events if e.get("name") == "customer_id"
    ).items()
    forged = sign_customer_token("C10042", "not-the-secret", 600)
    await ActionSessionStart(services).run(
        CollectingDispatcher(), _tracker("conv-forged", {"customer_token": forged}), {}
    )
    await ActionSessionStart(services).run(CollectingDispatcher(), _tracker("conv-anonymous", {}), {})
    assert await linked_conversations(redis, services.keys, "C10042") == {"conv-signed"}
    await services.redis.aclose()
