"""The lock store across processes: one turn of a conversation at a time, in ticket order."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.utils.endpoints import EndpointConfig
from redis import Redis

from rasa_addons.lock_store import PromptRedisLockStore

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
PREFIX = f"locktest{uuid.uuid4().hex[:8]}"


def _store() -> PromptRedisLockStore:
    redis = Redis.from_url(TEST_REDIS_URL)
    options = redis.connection_pool.connection_kwargs
    config = EndpointConfig(url=options["host"], port=options["port"], db=options["db"], key_prefix=PREFIX)
    return PromptRedisLockStore(config)


@pytest.fixture(autouse=True)
def _no_leftovers() -> object:
    yield
    redis = Redis.from_url(TEST_REDIS_URL)
    for key in redis.scan_iter(f"{PREFIX}*"):
        redis.delete(key)


def test_tickets_issued_at_once_by_several_processes_are_all_different_and_in_sequence() -> None:
    conversation = "c-" + uuid.uuid4().hex
    stores = [_store() for _ in range(8)]
    with ThreadPoolExecutor(len(stores)) as pool:
        numbers = list(pool.map(lambda n: stores[n % 8].issue_ticket(conversation), range(200)))
    assert sorted(numbers) == list(range(200))


def test_the_stored_queue_is_rasas_own_format_and_goes_when_the_last_ticket_is_done() -> None:
    store, conversation = _store(), "c-" + uuid.uuid4().hex
    first, second = store.issue_ticket(conversation), store.issue_ticket(conversation)
    lock = store.get_lock(conversation)
    assert lock is not None and (first, second) == (0, 1)
    assert lock.now_serving == 0 and lock.is_locked(second) and not lock.is_locked(first)
    store.cleanup(conversation, first)
    lock = store.get_lock(conversation)
    assert lock is not None and lock.now_serving == 1
    store.cleanup(conversation, second)
    assert store.get_lock(conversation) is None


def test_an_expired_ticket_no_longer_holds_the_queue() -> None:
    store, conversation = _store(), "c-" + uuid.uuid4().hex
    store.issue_ticket(conversation, lock_lifetime=0.05)
    waiting = store.issue_ticket(conversation)
    time.sleep(0.1)
    store.update_lock(conversation)
    lock = store.get_lock(conversation)
    assert lock is not None and not lock.is_locked(waiting)


def test_turns_of_one_conversation_in_several_processes_never_overlap() -> None:
    conversation = "c-" + uuid.uuid4().hex
    inside, most_inside, served = 0, 0, 0
    guard = threading.Lock()

    async def turns(store: PromptRedisLockStore) -> None:
        nonlocal inside, most_inside, served
        for _ in range(10):
            async with store.lock(conversation):
                with guard:
                    inside += 1
                    most_inside = max(most_inside, inside)
                await asyncio.sleep(0.002)
                with guard:
                    inside -= 1
                    served += 1

    threads = [threading.Thread(target=asyncio.run, args=(turns(_store()),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert served == 40 and most_inside == 1
    assert _store().get_lock(conversation) is None
