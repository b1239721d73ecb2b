"""The model thread (serialised calls, deadlines that stop work) and reply clean-up, with fake models."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from actions.generation.base import GenerationTimedOut, GeneratorBusy
from actions.generation.in_process import Deadline, ModelThread, clean_reply


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Returns are free within 30 days. ", "Returns are free within 30 days."),
        ("Returns are free.<|im_end|>\n<|im_start|>user\nAnd shoes?", "Returns are free."),
        ("<|im_start|>assistant\nReturns are free.<|im_end|>", "Returns are free."),
        ("assistant\nReturns are free.", "Returns are free."),
        ("Assistant: Returns are free.", "Returns are free."),
        ("Returns are free.<|endoftext|>", "Returns are free."),
        ("Returns are free.</s>", "Returns are free."),
        ("The assistant will help you.", "The assistant will help you."),
        ("", ""),
    ],
)
def test_clean_reply_strips_template_artefacts(raw: str, clean: str) -> None:
    assert clean_reply(raw) == clean


class FakeModel:
    """A blocking 'model' that produces one token every ``step_s`` and obeys the deadline like ours."""

    def __init__(self, step_s: float = 0.01) -> None:
        self.step_s = step_s
        self.running = 0
        self.most_at_once = 0
        self.tokens = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, tokens: int) -> object:
        def work(deadline: Deadline) -> int:
            with self._lock:
                self.running += 1
                self.most_at_once = max(self.most_at_once, self.running)
            self.threads.add(threading.current_thread().name)
            try:
                for done in range(tokens):
                    if deadline.expired():
                        return done
                    time.sleep(self.step_s)
                    self.tokens += 1
                return tokens
            finally:
                with self._lock:
                    self.running -= 1

        return work


async def test_calls_run_one_at_a_time_on_one_thread_off_the_event_loop() -> None:
    model, thread = FakeModel(), ModelThread("test-model")
    try:
        results = await asyncio.gather(*(thread.run(model(5), Deadline(5.0)) for _ in range(4)))
    finally:
        thread.close()
    assert results == [5, 5, 5, 5]
    assert model.most_at_once == 1
    assert len(model.threads) == 1 and threading.current_thread().name not in model.threads


async def test_the_event_loop_keeps_running_while_the_model_works() -> None:
    thread = ModelThread("test-model")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await thread.run(lambda d: time.sleep(0.3), Deadline(5.0))
    finally:
        ticker.cancel()
        thread.close()
    assert ticks >= 10


async def test_deadline_stops_the_running_work() -> None:
    model, thread = FakeModel(step_s=0.01), ModelThread("test-model")
    started = time.monotonic()
    with pytest.raises(GenerationTimedOut):
        await thread.run(model(10_000), Deadline(0.2))
    assert time.monotonic() - started < 0.35
    await asyncio.sleep(0.1)
    produced = model.tokens
    await asyncio.sleep(0.2)
    assert model.tokens == produced, "the abandoned call kept working after the deadline"
    assert model.running == 0
    thread.close()


async def test_time_spent_queueing_counts_toward_the_deadline() -> None:
    model, thread = FakeModel(step_s=0.01), ModelThread("test-model")
    busy = asyncio.ensure_future(thread.run(model(40), Deadline(5.0)))  # ~0.4 s
    await asyncio.sleep(0.01)
    started = time.monotonic()
    with pytest.raises(GenerationTimedOut):
        await thread.run(model(5), Deadline(0.2))  # would need 0.05 s, but only after 0.4 s of waiting
    assert time.monotonic() - started < 0.3
    assert await busy == 40
    assert model.tokens == 40, "the queued call must not run once its deadline has passed"
    thread.close()


async def test_a_caller_that_will_not_wait_is_told_at_once_that_the_model_is_busy() -> None:
    model, thread = FakeModel(step_s=0.01), ModelThread("test-model")
    try:
        assert await thread.run(model(2), Deadline(5.0), wait_if_busy=False) == 2  # idle: it runs
        busy = asyncio.ensure_future(thread.run(model(30), Deadline(5.0)))
        await asyncio.sleep(0.01)
        started = time.monotonic()
        with pytest.raises(GeneratorBusy):
            await thread.run(model(5), Deadline(5.0), wait_if_busy=False)
        assert time.monotonic() - started < 0.05
        assert await busy == 30
        # A caller that timed out leaves its work running until it stops: the model is busy until then.
        with pytest.raises(GenerationTimedOut):
            await thread.run(model(1000), Deadline(0.05))
        with pytest.raises(GeneratorBusy):
            await thread.run(model(3), Deadline(5.0), wait_if_busy=False)
        await asyncio.sleep(0.1)  # the work saw its deadline at its next token and stopped
        assert await thread.run(model(3), Deadline(5.0), wait_if_busy=False) == 3
    finally:
        thread.close()


async def test_a_cancelled_caller_stops_its_generation() -> None:
    model, thread = FakeModel(step_s=0.01), ModelThread("test-model")
    task = asyncio.ensure_future(thread.run(model(10_000), Deadline(10.0)))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.05)
    assert model.running == 0
    thread.close()
