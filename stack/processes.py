"""Child processes with their own log file, started and stopped as a group."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

STOP_GRACE_S = 10.0
# What is left of a crashed group has nothing to coordinate a graceful shutdown (its main
# process is gone), and the part is down until it is gone: a short grace, then SIGKILL.
CRASH_GRACE_S = 3.0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def port_in_use(host: str, port: int) -> bool:
    """Whether something already accepts connections on host:port."""
    with socket.socket() as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


class ProcessFailed(RuntimeError):
    """A process exited or did not become ready; the message points at its log."""


class ManagedProcess:
    """One server process in its own process group, its output in a log file.

    ``stop()`` is a deliberate stop: after it, ``respawn()`` refuses, so a
    supervisor (stack/supervision.py) never brings back a part stopped on purpose.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None
        self._stopped = False
        # Serialises start/stop with a supervisor's respawn, which runs in another thread.
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the process was started and has not exited."""
        return self._popen is not None and self._popen.poll() is None

    @property
    def stopped(self) -> bool:
        """Whether ``stop()`` was called since the last ``start()``: a deliberate stop, not a crash."""
        return self._stopped

    @property
    def returncode(self) -> int | None:
        """The exit code once the process exited (negative: killed by that signal)."""
        return self._popen.poll() if self._popen else None

    @property
    def pid(self) -> int | None:
        """The process id once started."""
        return self._popen.pid if self._popen else None

    def start(self) -> None:
        """Start the process; its stdout and stderr go to the log file."""
        with self._lock:
            self._stopped = False
            self._spawn()

    def respawn(self) -> bool:
        """Start the process again with the same command and environment, unless stopped on purpose.

        Returns:
            False, starting nothing, when ``stop()`` was called.

        """
        with self._lock:
            if self._stopped:
                return False
            self._spawn()
            return True

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        logger.debug("starting %s: %s", self.name, " ".join(self.command))
        # A new session lets us stop the process with all its children (Sanic
        # workers) and keeps Ctrl-C in the terminal from reaching them directly.
        self._popen = subprocess.Popen(
            self.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        log.close()

    def stop(self) -> None:
        """Stop on purpose: SIGTERM the whole process group, then SIGKILL whatever is left.

        The group is signalled even when the main process already exited: its
        worker processes may still hold the ports.
        """
        with self._lock:
            self._stopped = True
            self._end_group()

    def terminate(self) -> None:
        """End the whole process group like ``stop()``, but leave it free to ``respawn()``.

        After the main process crashed, its workers (Sanic's) may live on and keep the port.
        """
        with self._lock:
            self._end_group(CRASH_GRACE_S)

    def _end_group(self, grace_s: float = STOP_GRACE_S) -> None:
        if self._popen is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self._popen.pid, sig)
            except ProcessLookupError:
                break
            try:
                self._popen.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                continue
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline and _group_alive(self._popen.pid):
                time.sleep(0.1)
            if not _group_alive(self._popen.pid):
                break

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_until_ready(self, url: str, timeout_s: float) -> None:
        """Poll ``url`` until it answers 200, or fail with the log's tail."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.running:
                raise ProcessFailed(f"{self.name} exited; see {self.log_path}:\n{self.log_tail()}")
            try:
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise ProcessFailed(
            f"{self.name} not ready after {timeout_s:.0f} s; see {self.log_path}:\n{self.log_tail()}"
        )
