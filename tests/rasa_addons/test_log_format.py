"""In the Rasa server, everything done under a conversation's lock logs that conversation's id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore

from actions import log_context, log_format, log_redaction
from actions.log_context import current_conversation_id


@pytest.fixture
def scoped_locks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``LockStore.lock`` wrapped as ``log_redaction.install()`` does in the Rasa server, then restored."""
    monkeypatch.setattr(LockStore, "lock", LockStore.lock)
    stock_factory = logging.getLogRecordFactory()
    log_redaction.install({})
    try:
        yield
    finally:
        logging.setLogRecordFactory(stock_factory)


class _SubclassedLockStore(InMemoryLockStore):
    """Overrides ``lock`` and calls ``super()``, as rasa_addons/lock_store.py does."""

    @asynccontextmanager
    async def lock(self, conversation_id: str, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async with super().lock(conversation_id, *args, **kwargs) as ticket:
            yield ticket


@pytest.mark.parametrize("store_class", [InMemoryLockStore, _SubclassedLockStore])
async def test_work_under_a_conversations_lock_is_in_its_scope(
    scoped_locks: None, store_class: type[LockStore], caplog: pytest.LogCaptureFixture
) -> None:
    store = store_class()
    with caplog.at_level(logging.INFO):
        async with store.lock("conv-1"):
            assert current_conversation_id() == "conv-1"
            logging.getLogger("rasa.core.processor").info("handling")
    assert current_conversation_id() is None
    assert getattr(caplog.records[-1], log_format.CONVERSATION_ATTRIBUTE) == "conv-1"


async def test_two_conversations_locked_at_once_never_mix(scoped_locks: None) -> None:
    store = InMemoryLockStore()
    seen: dict[str, list[str | None]] = {"conv-a": [], "conv-b": []}

    async def turn(conversation_id: str) -> None:
        async with store.lock(conversation_id, wait_time_in_seconds=0.01):
            for _ in range(3):
                seen[conversation_id].append(current_conversation_id())
                await asyncio.sleep(0)

    await asyncio.gather(turn("conv-a"), turn("conv-b"))
    assert seen == {"conv-a": ["conv-a"] * 3, "conv-b": ["conv-b"] * 3}


def test_wrapping_twice_wraps_once(scoped_locks: None) -> None:
    wrapped = LockStore.lock
    log_context.scope_rasa_conversations()
    assert LockStore.lock is wrapped
