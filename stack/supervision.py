"""Brings back a server process that exited on its own, with backoff, while the others keep serving.

One thread per watched part polls its process. When the process exits without
``stop()`` having been called, the thread logs the part, its exit code and the
attempt, ends what is left of its process group, waits (1 s, 2 s, 4 s ... at most
30 s), starts the same command with the same environment and waits until the
part's readiness URL answers again. Too many failures in a short time and it
gives up on that part, logging an error, and leaves the other parts running.

A watch may carry two callbacks: ``on_down`` as soon as the part is found down, and
``on_up`` once a restart answers. The stack uses them to take a replica out of its
balancer's rotation while it is down or still loading (stack/assistant.py).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from stack.processes import ProcessFailed, port_in_use

logger = logging.getLogger(__name__)

# How often each watcher looks at its process: a crash is noticed within this.
POLL_S = 0.5
# Bounds how long stopping the stack waits for watchers that are mid-restart.
JOIN_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class RestartPolicy:
    """When to start a part that exited again, and when to leave it down.

    The defaults wait 1 s, 2 s, 4 s ... at most 30 s before each attempt; a part
    that stayed up a minute starts over at 1 s; five failures (exits, or starts
    that never became ready) within five minutes and the part stays down.
    """

    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    # Long enough that a part dying during or just after its start counts as one streak.
    stable_after_s: float = 60.0
    max_failures: int = 5
    failure_window_s: float = 300.0

    def __post_init__(self) -> None:
        if not 0 <= self.first_delay_s <= self.max_delay_s:
            raise ValueError("need 0 <= first_delay_s <= max_delay_s")
        if self.max_failures < 1 or self.stable_after_s <= 0 or self.failure_window_s <= 0:
            raise ValueError("max_failures, stable_after_s and failure_window_s must be positive")

    def delay_s(self, attempt: int) -> float:
        """The wait before restart ``attempt`` (1, 2, ...) of a streak: doubling, capped."""
        # The exponent is bounded so that a long streak cannot overflow a float.
        return min(self.first_delay_s * 2.0 ** min(attempt - 1, 64), self.max_delay_s)


@dataclass(frozen=True)
class Restart:
    """Start the part again after ``delay_s``; ``attempt`` counts the current streak."""

    attempt: int
    delay_s: float


@dataclass(frozen=True)
class GiveUp:
    """Leave the part down: ``failures`` failures came within the policy's window."""

    failures: int


class RestartHistory:
    """One part's recent failures and what to do after the next one (times are passed in)."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self._streak = 0
        self._failures: deque[float] = deque()

    def failed(self, now: float, up_for_s: float | None) -> Restart | GiveUp:
        """Record a failure at ``now`` (monotonic seconds) and decide.

        Args:
            now: When the part was found down.
            up_for_s: How long it had been up and ready before; None when it never
                became ready (a failed restart).

        """
        if up_for_s is not None and up_for_s >= self.policy.stable_after_s:
            self._streak = 0
            self._failures.clear()
        self._streak += 1
        self._failures.append(now)
        while now - self._failures[0] > self.policy.failure_window_s:
            self._failures.popleft()
        if len(self._failures) >= self.policy.max_failures:
            return GiveUp(len(self._failures))
        return Restart(self._streak, self.policy.delay_s(self._streak))


def describe_exit(returncode: int | None) -> str:
    """``code 3`` or ``code -9 (SIGKILL)`` for a log line."""
    if returncode is None or returncode >= 0:
        return f"code {returncode}"
    try:
        return f"code {returncode} ({signal.Signals(-returncode).name})"
    except ValueError:
        return f"code {returncode}"


class Supervisable(Protocol):
    """What the supervisor needs of a process; stack.processes.ManagedProcess has it."""

    name: str
    log_path: Path

    @property
    def running(self) -> bool:
        """Whether it was started and has not exited."""

    @property
    def stopped(self) -> bool:
        """Whether it was stopped on purpose."""

    @property
    def returncode(self) -> int | None:
        """Its exit code once it exited."""

    @property
    def pid(self) -> int | None:
        """Its process id."""

    def respawn(self) -> bool:
        """Start it again unless stopped on purpose."""

    def terminate(self) -> None:
        """End what is left of it without marking it stopped."""

    def wait_until_ready(self, url: str, timeout_s: float) -> None:
        """Return once ``url`` answers; raise ProcessFailed if it exits or times out."""


PartCallback = Callable[[Supervisable], None]


@dataclass(frozen=True)
class _Callbacks:
    on_down: PartCallback | None = None
    on_up: PartCallback | None = None


def _notify(callback: PartCallback | None, process: Supervisable, what: str) -> None:
    if callback is None:
        return
    try:
        callback(process)
    except (OSError, ValueError, RuntimeError):
        # A failed callback must not end the watch: the part still needs its restarts.
        logger.exception("%s: %s callback failed", process.name, what)


class Supervisor:
    """Watches processes that are up and ready; restarts any that exits on its own.

    A process stopped with ``stop()`` is not restarted. ``close()`` ends all
    restarts (call it before stopping the processes), ``join()`` waits for the
    watcher threads after the processes are stopped.
    """

    def __init__(
        self,
        policy: RestartPolicy | None = None,
        ready_timeout_s: float = 240.0,
        poll_s: float = POLL_S,
    ) -> None:
        self.policy = policy or RestartPolicy()
        self.ready_timeout_s = ready_timeout_s
        self.poll_s = poll_s
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._watched: dict[int, Supervisable] = {}
        self._given_up: set[str] = set()
        self._threads: list[threading.Thread] = []

    @property
    def given_up(self) -> frozenset[str]:
        """Names of the parts left down after too many failures."""
        with self._lock:
            return frozenset(self._given_up)

    def watches(self, process: Supervisable) -> bool:
        """Whether this process is watched (given up on included): its exits are handled here."""
        with self._lock:
            return id(process) in self._watched

    def watch(
        self,
        process: Supervisable,
        ready_url: str | None,
        on_down: PartCallback | None = None,
        on_up: PartCallback | None = None,
    ) -> None:
        """Restart ``process`` whenever it exits on its own; ``ready_url`` answers 200 once it is up.

        A part that serves nothing (a periodic job) has no ``ready_url``: it counts as up
        once it runs again.

        ``on_down`` is called (in the watcher's thread) when the process is found exited,
        before anything else; ``on_up`` when a restart of it is ready.
        """
        with self._lock:
            if self._closing.is_set() or id(process) in self._watched:
                return
            self._watched[id(process)] = process
            self._given_up.discard(process.name)  # a new process for the part starts afresh
            thread = threading.Thread(
                target=self._supervise,
                args=(process, ready_url, _Callbacks(on_down, on_up)),
                name=f"supervise-{process.name}",
            )
            thread.daemon = True  # never holds up the interpreter's exit
            self._threads.append(thread)
        thread.start()

    def close(self) -> None:
        """Restart nothing from now on."""
        self._closing.set()

    def join(self, timeout_s: float = JOIN_TIMEOUT_S) -> None:
        """Wait for the watcher threads to end (they do once their processes are stopped)."""
        deadline = time.monotonic() + timeout_s
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))

    def _supervise(self, process: Supervisable, ready_url: str | None, callbacks: _Callbacks) -> None:
        if self._restart_until_given_up(process, ready_url, callbacks):
            with self._lock:
                self._given_up.add(process.name)
        else:
            with self._lock:
                self._watched.pop(id(process), None)

    def _restart_until_given_up(
        self, process: Supervisable, ready_url: str | None, callbacks: _Callbacks
    ) -> bool:
        """Restart the process after each exit; True once given up, False when stopped or closed."""
        history = RestartHistory(self.policy)
        up_since: float | None = time.monotonic()
        while self._wait_for_exit(process):
            _notify(callbacks.on_down, process, "on_down")
            reason = f"exited with {describe_exit(process.returncode)}"
            while True:
                now = time.monotonic()
                decision = history.failed(now, None if up_since is None else now - up_since)
                if isinstance(decision, GiveUp):
                    logger.error(
                        "%s %s; %d failures within %.0f s, giving up on it "
                        "(the other parts keep running); see %s",
                        process.name, reason, decision.failures, self.policy.failure_window_s,
                        process.log_path,
                    )  # fmt: skip
                    process.terminate()
                    return True
                logger.warning(
                    "%s %s; restart attempt %d in %.0f s",
                    process.name, reason, decision.attempt, decision.delay_s,
                )  # fmt: skip
                process.terminate()  # its workers may outlive it and hold the port
                if self._closing.wait(decision.delay_s):
                    return False
                try:
                    if not self._restart(process, ready_url):
                        return False
                except ProcessFailed as error:
                    if self._closing.is_set() or process.stopped:
                        return False
                    reason, up_since = f"did not come back: {error}", None
                    continue
                logger.info("%s restarted (attempt %d, pid %s)", process.name, decision.attempt, process.pid)
                _notify(callbacks.on_up, process, "on_up")
                up_since = time.monotonic()
                break
        return False

    def _wait_for_exit(self, process: Supervisable) -> bool:
        """True once the process exited on its own; False when it was stopped or supervision ends."""
        while not self._closing.wait(self.poll_s):
            if process.stopped:
                return False
            if not process.running:
                # stop() marks the process before signalling it, so this tells a stop from a crash.
                return not process.stopped
        return False

    def _restart(self, process: Supervisable, ready_url: str | None) -> bool:
        """Start the process again and wait until it is ready; False if it was stopped meanwhile."""
        url = urlparse(ready_url) if ready_url is not None else None
        if url is not None and url.port is not None and port_in_use(url.hostname or "127.0.0.1", url.port):
            # Otherwise whatever holds the port would answer the readiness check.
            raise ProcessFailed(f"{process.name}: port {url.port} is still in use")
        try:
            if not process.respawn():
                return False
        except OSError as error:
            raise ProcessFailed(f"{process.name} could not be started: {error}") from error
        if ready_url is not None:
            process.wait_until_ready(ready_url, self.ready_timeout_s)
        return True
