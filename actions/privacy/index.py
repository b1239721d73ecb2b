"""The index from a customer to their conversations: ``Keys.customer_conversations``.

A conversation learns who its customer is once, at session start, when the
store's signed token verifies (``actions/dialogue/session.py``). That is where
``link_conversation`` adds it to the customer's set, so that export and erasure
read a customer's conversations directly instead of scanning every tracker.
The set lives as long as a tracker (``PRIVACY_INDEX_TTL_S``) and every
signed-in session start refreshes it.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from actions.errors import StoreUnavailable
from actions.keys import PRIVACY_INDEX_TTL_S, Keys
from actions.redis_edge import store_call, text

logger = logging.getLogger(__name__)


async def link_conversation(redis: Redis, keys: Keys, customer_id: str, conversation_id: str) -> bool:
    """Record that ``conversation_id`` belongs to ``customer_id``; False (logged) when Redis failed.

    Never raises: a customer's session must start even when the index cannot be
    written. Erasure still finds such a conversation through the ``customer_id``
    slot event in the event stream (``actions/privacy/inventory.py``).
    """
    key = keys.customer_conversations(customer_id)
    try:
        with store_call("index the customer's conversation"):
            async with redis.pipeline(transaction=True) as pipe:
                pipe.sadd(key, conversation_id)
                pipe.expire(key, PRIVACY_INDEX_TTL_S)
                await pipe.execute()
    except StoreUnavailable:
        logger.warning("conversation %s not indexed for its customer: Redis failed", conversation_id)
        return False
    return True


async def linked_conversations(redis: Redis, keys: Keys, customer_id: str) -> set[str]:
    """The conversation ids indexed for ``customer_id``."""
    with store_call("read the customer's conversations", with_cause=True):
        raw = await redis.smembers(keys.customer_conversations(customer_id))
    return {text(member) for member in raw}
