"""The model thread (serialised calls, deadlines that stop work) and reply clean-up, with fake models."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from actions.generation.base import GenerationTimedOut, GeneratorBusy
from actions.generation.in_process import Deadline, ModelThread, clean_reply
from actions.log_context import conversation_scope
from actions.worker_load import WorkerLoad


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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_an_answer_is_written_only_while_no_other_conversation_was_served_lately() -> None:
    clock = Clock()
    load = WorkerLoad(clock)
    model, thread = FakeModel(step_s=0.001), ModelThread("test-model", quiet_s=10.0, load=load)
    try:
        with conversation_scope("alice"), load.serving("alice"):
            assert await thread.run(model(2), Deadline(5.0), wait_if_busy=False) == 2  # alone: it writes
            with load.serving("bob"):
                pass  # another customer's turn, just ended
            clock.now += 9.0
            with pytest.raises(GeneratorBusy, match="served 1 other conversation"):
                await thread.run(model(2), Deadline(5.0), wait_if_busy=False)
            assert (
                await thread.run(model(2), Deadline(5.0)) == 2
            )  # work that may wait (copy drafts) is not shed
            clock.now += 2.0  # bob has been quiet for 11 s
            assert await thread.run(model(2), Deadline(5.0), wait_if_busy=False) == 2
        unlimited = ModelThread("test-model", load=load)
        with conversation_scope("alice"), load.serving("bob"):
            assert await unlimited.run(model(2), Deadline(5.0), wait_if_busy=False) == 2
        unlimited.close()
    finally:
        thread.close()


async def test_a_turn_that_arrives_while_the_model_writes_stops_it() -> None:
    load = WorkerLoad()
    model, thread = FakeModel(step_s=0.01), ModelThread("test-model", quiet_s=10.0, load=load)
    try:
        with conversation_scope("alice"), load.serving("alice"):
            writing = asyncio.ensure_future(thread.run(model(1000), Deadline(5.0), wait_if_busy=False))
            await asyncio.sleep(0.05)
            started = time.monotonic()
            with load.serving("bob"):  # another customer's turn arrives
                with pytest.raises(GeneratorBusy, match="stopped: this worker served 1 other conversation"):
                    await writing
            assert time.monotonic() - started < 0.1
            assert model.running == 0 and model.tokens < 100
    finally:
        thread.close()


def test_the_load_forgets_conversations_long_quiet_once_it_holds_many() -> None:
    clock = Clock()
    load = WorkerLoad(clock)
    for n in range(1000):
        with load.serving(f"c{n}"):
            pass
    assert load.others_within("c0", 1.0) == 999
    clock.now += 301.0
    assert load.others_within("c0", 10_000.0) == 999  # a few hundred entries are kept: cheap to scan
    with load.serving("new"):  # the 1,001st: the long quiet ones go
        assert load.others_within("new", 10_000.0) == 0
