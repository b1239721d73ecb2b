"""Which conversations this action-server worker has served lately (``operations.timed_run`` records them).

An in-process model reads it before optional work: while other customers' turns come to
this worker, an answer the embedded model would write on the same cores is answered from
the quote instead (``generation/in_process.py``). Rasa's lock store serialises each
conversation's turns, so one conversation never competes with itself. One asyncio loop
per process records calls; the model thread only reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Conversations not seen for this long are forgotten (the longest quiet period anyone asks about).
_FORGET_AFTER_S = 300.0


class WorkerLoad:
    """The action calls this process is serving, and when each conversation last called."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._running: dict[str, int] = {}
        self._last_call: dict[str, float] = {}

    @contextmanager
    def serving(self, conversation_id: str | None) -> Iterator[None]:
        """Count one action call of ``conversation_id`` for as long as it runs."""
        key = conversation_id or ""
        now = self._clock()
        self._last_call[key] = now
        self._running[key] = self._running.get(key, 0) + 1
        if len(self._last_call) > 1000:
            self._forget(now)
        try:
            yield
        finally:
            self._running[key] -= 1
            if not self._running[key]:
                del self._running[key]
            self._last_call[key] = self._clock()

    def others_within(self, conversation_id: str | None, seconds: float) -> int:
        """Other conversations with an action call running now or ended within ``seconds``."""
        key = conversation_id or ""
        since = self._clock() - seconds
        recent = {k for k, at in list(self._last_call.items()) if at >= since} | set(self._running)
        return len(recent - {key})

    def _forget(self, now: float) -> None:
        for key, at in list(self._last_call.items()):
            if at < now - _FORGET_AFTER_S and key not in self._running:
                del self._last_call[key]


# This process's calls: the action server records, in-process models read.
WORKER_LOAD = WorkerLoad()
