"""At most a few customer messages in progress per Rasa worker; the others wait, first come first served.

Stock Rasa starts on every message as it arrives, so under load all of them share the CPU at
once, and a turn's time grows with the number of its steps: each action call goes to the
back of the event loop again. An order lookup (message, form check, form, the form's
validation, its question: four action calls) then took 2.4 s on average at 50 concurrent
customers while a help-centre answer (two calls) took 1.0 s (benchmarks/README.md).

With ``CS_RASA_CONCURRENT_MESSAGES`` messages in progress per worker, a message started
runs its steps with few others in the way, and the rest wait in arrival order; the cores
stay as busy (while one turn waits for the action server or Redis, another runs). The wait is
taken with the conversation's lock held, so messages of one conversation keep their order,
and before the turn's action budget starts (``action_failures``): waiting for a slot is not the
action server being slow. A message that has waited ``MAX_WAIT_S`` goes ahead anyway, well
inside the conversation lock's lifetime.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from rasa_addons import metrics

logger = logging.getLogger(__name__)

ENV_LIMIT = "CS_RASA_CONCURRENT_MESSAGES"
DEFAULT_LIMIT = 4
# The conversation lock lives 60 s; past this a message runs even if every slot is taken.
MAX_WAIT_S = 30.0


class AdmissionGate:
    """A first-come-first-served limit on concurrent work within one event loop.

    Unlike ``asyncio.Semaphore`` on Python 3.10, a freed slot is handed to the longest waiter
    directly, so a message that arrives just then cannot take it first.
    """

    def __init__(self, limit: int, max_wait_s: float = MAX_WAIT_S) -> None:
        if limit < 1:
            raise ValueError(f"the limit must be at least 1, not {limit}")
        self.limit = limit
        self._max_wait_s = max_wait_s
        self._active = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Messages waiting for a slot now."""
        return sum(not f.done() for f in self._waiting)

    async def acquire(self) -> bool:
        """Wait for a slot; True once one is held, False if the wait ran out (go ahead without one)."""
        if self._active < self.limit and not self._waiting:
            self._active += 1
            return True
        slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(slot)
        try:
            await asyncio.wait_for(asyncio.shield(slot), self._max_wait_s)
            return True
        except asyncio.TimeoutError:
            if slot.done():  # handed over just as the wait ran out
                return True
            slot.cancel()
            return False
        except asyncio.CancelledError:
            if slot.done() and not slot.cancelled():
                self.release()  # handed over to a caller that is gone: pass it on
            else:
                slot.cancel()
            raise

    def release(self) -> None:
        """Hand the slot to the longest waiter, or free it."""
        while self._waiting:
            slot = self._waiting.popleft()
            if not slot.done():
                slot.set_result(None)
                return
        self._active -= 1


def limit_from_environment(environ: dict[str, str] | os._Environ[str]) -> int:
    """The per-worker limit, ``CS_RASA_CONCURRENT_MESSAGES`` (0: no limit)."""
    raw = environ.get(ENV_LIMIT, "").strip() or str(DEFAULT_LIMIT)
    if not raw.isdigit():
        raise ValueError(f"{ENV_LIMIT} must be a whole number (0 for no limit), not {raw!r}")
    return int(raw)


def install(limit: int) -> None:
    """Hold each message until its worker has a free slot (``limit`` 0 leaves Rasa as it is)."""
    if limit == 0:
        return
    inner = MessageProcessor.handle_message
    # One gate per worker process and event loop: Sanic forks the workers after this runs.
    gates: dict[int, AdmissionGate] = {}

    async def handle_admitted_message(self: MessageProcessor, message: UserMessage) -> Any:
        loop = id(asyncio.get_running_loop())
        gate = gates.get(loop) or gates.setdefault(loop, AdmissionGate(limit))
        started = time.perf_counter()
        held = await gate.acquire()
        metrics.admission_waited(time.perf_counter() - started, admitted=held)
        if not held:
            logger.warning(
                "sender_id=%s: message ran without a slot after %.0f s", message.sender_id, MAX_WAIT_S
            )
        try:
            return await inner(self, message)
        finally:
            if held:
                gate.release()

    MessageProcessor.handle_message = handle_admitted_message
