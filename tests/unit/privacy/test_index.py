"""The index from a customer to their conversations, kept at session start."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from redis.asyncio import Redis

from actions.dialogue.session import ActionSessionStart
from actions.identity.metadata import checked_metadata
from actions.identity.tokens import DEMO_IDENTITY_SECRET, KeyRing, sign_customer_token
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
    action_secret = services.settings.action_server_token.get_secret_value()

    def session_metadata(cid: str, store_secret: str) -> dict[str, Any]:
        # What the Rasa server stores after checking the widget's token (rasa_addons/customer_identity.py).
        token = sign_customer_token("C10042", store_secret, 600)
        metadata, _ = checked_metadata(
            {"customer_token": token}, cid, KeyRing.single(DEMO_IDENTITY_SECRET), action_secret, time.time()
        )
        return metadata

    events = await ActionSessionStart(services).run(
        CollectingDispatcher(),
        _tracker("conv-signed", session_metadata("conv-signed", DEMO_IDENTITY_SECRET)),
        {},
    )
    assert {"event": "slot", "name": "customer_id", "value": "C10042"}.items() <= next(
        e for e in events if e.get("name") == "customer_id"
    ).items()
    await ActionSessionStart(services).run(
        CollectingDispatcher(), _tracker("conv-forged", session_metadata("conv-forged", "not-the-secret")), {}
    )
    # Another conversation's word for the customer is not believed here.
    copied = session_metadata("conv-signed", DEMO_IDENTITY_SECRET)
    await ActionSessionStart(services).run(CollectingDispatcher(), _tracker("conv-copied", copied), {})
    await ActionSessionStart(services).run(CollectingDispatcher(), _tracker("conv-anonymous", {}), {})
    assert await linked_conversations(redis, services.keys, "C10042") == {"conv-signed"}
    await services.redis.aclose()
