"""At most N messages in progress per worker; the rest wait in arrival order, and a wait has an end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from rasa_addons import message_admission
from rasa_addons.message_admission import AdmissionGate, limit_from_environment


async def test_the_limit_holds_and_waiters_go_in_arrival_order() -> None:
    gate = AdmissionGate(2)
    running: list[int] = []
    most = 0
    started: list[int] = []

    async def work(n: int) -> None:
        nonlocal most
        assert await gate.acquire()
        started.append(n)
        running.append(n)
        most = max(most, len(running))
        await asyncio.sleep(0.01 * (n % 3 + 1))
        running.remove(n)
        gate.release()

    await asyncio.gather(*(work(n) for n in range(10)))
    assert most == 2
    assert started == list(range(10))


async def test_a_freed_slot_goes_to_the_waiter_not_to_a_newcomer() -> None:
    gate = AdmissionGate(1)
    assert await gate.acquire()
    order: list[str] = []

    async def enter(name: str) -> None:
        await gate.acquire()
        order.append(name)
        gate.release()

    waiter = asyncio.create_task(enter("waiter"))
    await asyncio.sleep(0)  # the waiter queues
    gate.release()
    # Arrives after the release, before the waiter has run again.
    newcomer = asyncio.create_task(enter("newcomer"))
    await asyncio.gather(waiter, newcomer)
    assert order == ["waiter", "newcomer"]


async def test_a_long_wait_goes_ahead_without_a_slot_and_frees_none() -> None:
    gate = AdmissionGate(1, max_wait_s=0.05)
    assert await gate.acquire()
    assert await gate.acquire() is False
    assert gate.waiting == 0
    gate.release()
    # The one slot is free again, and only one.
    assert await gate.acquire()
    assert await asyncio.wait_for(gate.acquire(), 1) is False


async def test_a_cancelled_waiter_gives_its_place_up() -> None:
    gate = AdmissionGate(1)
    assert await gate.acquire()
    gone = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    gate.release()
    # The slot was not handed to the cancelled waiter: a new caller gets it at once.
    assert await asyncio.wait_for(gate.acquire(), 0.5)


def test_the_limit_is_read_from_the_environment_and_checked() -> None:
    assert limit_from_environment({}) == message_admission.DEFAULT_LIMIT
    assert limit_from_environment({"CS_RASA_CONCURRENT_MESSAGES": "7"}) == 7
    assert limit_from_environment({"CS_RASA_CONCURRENT_MESSAGES": "0"}) == 0
    for bad in ("-1", "four", "2.5"):
        with pytest.raises(ValueError, match="CS_RASA_CONCURRENT_MESSAGES"):
            limit_from_environment({"CS_RASA_CONCURRENT_MESSAGES": bad})
    with pytest.raises(ValueError, match="at least 1"):
        AdmissionGate(0)


@pytest.fixture
def slow_handler(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Rasa's handler replaced by one that records how many messages run at once."""
    seen: dict[str, Any] = {"running": 0, "most": 0, "order": []}

    async def handle(self: MessageProcessor, message: UserMessage) -> list[dict[str, Any]]:
        seen["running"] += 1
        seen["most"] = max(seen["most"], seen["running"])
        seen["order"].append(message.text)
        await asyncio.sleep(0.02)
        seen["running"] -= 1
        return [{"text": message.text}]

    monkeypatch.setattr(MessageProcessor, "handle_message", handle)
    return seen


async def test_installed_it_limits_the_processors_messages(slow_handler: dict[str, Any]) -> None:
    message_admission.install(3)
    processor = object.__new__(MessageProcessor)
    texts = [f"m{n}" for n in range(9)]
    replies = await asyncio.gather(
        *(processor.handle_message(UserMessage(text, sender_id=text)) for text in texts)
    )
    assert [r[0]["text"] for r in replies] == texts
    assert slow_handler["most"] == 3
    assert slow_handler["order"] == texts


async def test_a_limit_of_zero_leaves_rasa_as_it_is(slow_handler: dict[str, Any]) -> None:
    message_admission.install(0)
    processor = object.__new__(MessageProcessor)
    await asyncio.gather(*(processor.handle_message(UserMessage(f"m{n}", sender_id="s")) for n in range(5)))
    assert slow_handler["most"] == 5


async def test_a_failing_message_frees_its_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0

    async def failing(self: MessageProcessor, message: UserMessage) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    monkeypatch.setattr(MessageProcessor, "handle_message", failing)
    message_admission.install(1)
    processor = object.__new__(MessageProcessor)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            await asyncio.wait_for(processor.handle_message(UserMessage("x", sender_id="s")), 1)
    assert calls == 3
