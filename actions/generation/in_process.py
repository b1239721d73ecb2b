"""What the in-process backends share: one model thread per process, a deadline it obeys, reply clean-up.

A model in this process is CPU-bound and not safe to call twice at once, so every
call runs on one dedicated thread, one at a time, in arrival order; the event loop
only awaits. Waiting in that queue counts toward the caller's deadline. At the
deadline the caller gets ``GenerationTimedOut`` at once, and the running
generation sees the expired ``Deadline`` at its next token and stops, so no
abandoned work keeps burning CPU.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from actions.generation.base import GenerationTimedOut, GeneratorBusy
from actions.log_context import current_conversation_id
from actions.worker_load import WORKER_LOAD, WorkerLoad

T = TypeVar("T")

# Chat-template tokens a small model sometimes writes into its reply (ChatML, Llama 3, Gemma, Mistral).
_SPECIAL_TOKEN = re.compile(
    r"<\|(?:im_start|im_end|endoftext|eot_id|start_header_id|end_header_id|end|user|assistant|system)\|>"
    r"|<(?:start_of_turn|end_of_turn)>|</?s>|\[/?INST\]"
)
# A role header the model repeats at the start of its reply ("assistant\n", "Assistant:").
_LEADING_ROLE = re.compile(r"^\s*(?:assistant|Assistant|ASSISTANT)\s*(?::|\n)\s*")


def clean_reply(text: str) -> str:
    """Strip chat-template artefacts: cut at the first special token, drop a leading role header.

    Args:
        text: raw decoded model output.

    Returns:
        The reply text, stripped of surrounding whitespace.

    """
    match = _SPECIAL_TOKEN.search(text)
    if match is not None:
        head = text[: match.start()]
        # A reply that *starts* with a header token ("<|im_start|>assistant\n...") keeps what follows it.
        text = head if head.strip() else _SPECIAL_TOKEN.split(text[match.end() :], maxsplit=1)[0]
    return _LEADING_ROLE.sub("", text, count=1).strip()


class Deadline:
    """An absolute end time shared by the awaiting caller and the model thread."""

    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.at = self.started + seconds
        self._cancelled = threading.Event()
        # Set by ModelThread for work that is shed under load: why the work should stop now.
        self.give_up: Callable[[], str | None] = lambda: None
        self.given_up: str | None = None

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        """Tell whether the deadline passed, the caller gave up, or the load says to stop."""
        if self._cancelled.is_set() or time.monotonic() >= self.at:
            return True
        if self.given_up is None:
            self.given_up = self.give_up()
        return self.given_up is not None

    def cancel(self) -> None:
        """Tell the model thread to stop at its next check."""
        self._cancelled.set()

    def elapsed(self) -> float:
        """Seconds since the call started."""
        return time.monotonic() - self.started


class ModelThread:
    """Runs model calls one at a time, in arrival order, on one dedicated thread.

    A call that may not wait (``wait_if_busy=False``, a customer's answer) is also refused
    when this worker served another conversation within ``quiet_s`` seconds, and stopped
    when another conversation's turn arrives while it runs: the model would take the cores
    those turns need, for a reply the quote gives at once.
    """

    def __init__(self, name: str, quiet_s: float | None = None, load: WorkerLoad = WORKER_LOAD) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._quiet_s = quiet_s
        self._load = load
        self._calls = 0  # submitted and not finished (running, queued, or cancelled before it started)
        self._lock = threading.Lock()

    async def run(self, work: Callable[[Deadline], T], deadline: Deadline, wait_if_busy: bool = True) -> T:
        """Run ``work(deadline)`` on the model thread and await it, at most until the deadline.

        Args:
            work: the blocking model call; it must stop soon after ``deadline.expired()``.
            deadline: the caller's deadline; queueing time counts toward it.
            wait_if_busy: queue behind calls already submitted; False fails at once instead, as it
                does while other conversations are being served (``quiet_s``).

        Returns:
            What ``work`` returned.

        Raises:
            GenerationTimedOut: the deadline passed while queued or while generating.
            GeneratorBusy: ``wait_if_busy`` is False and another call holds the model, or this
                worker serves other conversations, before or while the work runs (it is then stopped).

        """
        if not wait_if_busy and self._calls:
            raise GeneratorBusy(f"the model is busy with {self._calls} other request(s)")
        if not wait_if_busy and self._quiet_s is not None:
            conversation_id = current_conversation_id()
            if reason := self._others_served(conversation_id):
                raise GeneratorBusy(reason)
            # Turns that arrive while the model writes stop it too: they need the cores now.
            deadline.give_up = lambda: self._others_served(conversation_id)

        def job() -> T:
            if deadline.expired():
                raise GenerationTimedOut(
                    f"deadline passed after {deadline.elapsed():.2f} s waiting for the model"
                )
            return work(deadline)

        with self._lock:
            self._calls += 1
        submitted = self._executor.submit(job)
        # On the work's own future: a caller that stops waiting leaves the work running
        # until it obeys the deadline.
        submitted.add_done_callback(self._finished)
        future = asyncio.wrap_future(submitted)
        try:
            result = await asyncio.wait_for(future, timeout=deadline.remaining())
        except GenerationTimedOut as error:
            if deadline.given_up is not None:
                raise GeneratorBusy(f"stopped: {deadline.given_up}") from error
            raise
        except TimeoutError as error:
            deadline.cancel()
            raise GenerationTimedOut(f"no reply within {deadline.elapsed():.2f} s") from error
        except asyncio.CancelledError:
            deadline.cancel()  # the caller went away: stop generating for nobody
            raise
        if deadline.given_up is not None:  # told to stop for the load: what it wrote is cut short
            raise GeneratorBusy(f"stopped: {deadline.given_up}")
        return result

    def _others_served(self, conversation_id: str | None) -> str | None:
        assert self._quiet_s is not None
        others = self._load.others_within(conversation_id, self._quiet_s)
        if not others:
            return None
        return f"this worker served {others} other conversation(s) within {self._quiet_s:g} s"

    def _finished(self, _: object) -> None:
        with self._lock:
            self._calls -= 1

    def close(self) -> None:
        """Drop queued calls and wait for the running one (which stops at its deadline)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
