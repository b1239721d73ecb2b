"""The restart policy (pure logic) and the supervisor's decisions on fake processes (no real ones)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stack.processes import ProcessFailed
from stack.supervision import GiveUp, Restart, RestartHistory, RestartPolicy, Supervisor, describe_exit

# --- the policy -------------------------------------------------------------------------------


def test_delays_double_from_one_second_up_to_thirty() -> None:
    policy = RestartPolicy()
    assert [policy.delay_s(attempt) for attempt in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert policy.delay_s(10_000) == 30


def test_five_quick_failures_give_up_after_four_restarts() -> None:
    history = RestartHistory(RestartPolicy())
    decisions = [history.failed(now, up_for_s=5.0) for now in (0.0, 10.0, 20.0, 40.0)]
    assert decisions == [Restart(1, 1.0), Restart(2, 2.0), Restart(3, 4.0), Restart(4, 8.0)]
    assert history.failed(60.0, up_for_s=None) == GiveUp(5)


def test_a_part_that_stayed_up_starts_over_at_one_second() -> None:
    history = RestartHistory(RestartPolicy())
    for now in (0.0, 10.0, 20.0):
        history.failed(now, up_for_s=5.0)
    assert history.failed(120.0, up_for_s=60.0) == Restart(1, 1.0)
    # Its earlier failures no longer count towards giving up either.
    assert [history.failed(t, up_for_s=1.0) for t in (130.0, 140.0, 150.0)][-1] == Restart(4, 8.0)


def test_failures_spread_wider_than_the_window_keep_restarting_with_a_capped_delay() -> None:
    history = RestartHistory(RestartPolicy())
    # Up 50 s each time: not long enough to reset the delay, too rare to give up.
    decisions = [history.failed(float(now), up_for_s=50.0) for now in range(0, 1000, 100)]
    assert all(isinstance(d, Restart) for d in decisions)
    assert [d.delay_s for d in decisions if isinstance(d, Restart)][-3:] == [30, 30, 30]


def test_failed_starts_count_as_quick_failures() -> None:
    history = RestartHistory(RestartPolicy(max_failures=2))
    assert history.failed(0.0, up_for_s=600.0) == Restart(1, 1.0)
    assert history.failed(5.0, up_for_s=None) == GiveUp(2)


@pytest.mark.parametrize(
    "make",
    [
        lambda: RestartPolicy(first_delay_s=5.0, max_delay_s=1.0),
        lambda: RestartPolicy(first_delay_s=-1.0),
        lambda: RestartPolicy(max_failures=0),
        lambda: RestartPolicy(failure_window_s=0.0),
    ],
)
def test_nonsense_policies_are_refused(make: Callable[[], RestartPolicy]) -> None:
    with pytest.raises(ValueError):
        make()


def test_exit_codes_name_their_signal() -> None:
    assert describe_exit(-9) == "code -9 (SIGKILL)"
    assert describe_exit(3) == "code 3"
    assert describe_exit(-200) == "code -200"


# --- the supervisor, on fake processes --------------------------------------------------------


class FakeProcess:
    """Dies when told; each respawn comes up, or fails to, as scripted."""

    def __init__(self, failing_starts: int = 0) -> None:
        self.name = "web"
        self.log_path = Path("web.log")
        self.respawns = 0
        self.failing_starts = failing_starts
        self._alive = True
        self._stopped = False
        self._code: int | None = None

    @property
    def running(self) -> bool:
        return self._alive

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def returncode(self) -> int | None:
        return None if self._alive else self._code

    @property
    def pid(self) -> int | None:
        return 1000 + self.respawns

    def crash(self, code: int = -9) -> None:
        self._alive, self._code = False, code

    def stop(self) -> None:
        self._stopped = True
        self.crash(-15)

    def respawn(self) -> bool:
        if self._stopped:
            return False
        self.respawns += 1
        self._alive = True
        return True

    def terminate(self) -> None:
        self._alive = False

    def wait_until_ready(self, url: str, timeout_s: float) -> None:
        if self.failing_starts:
            self.failing_starts -= 1
            self.crash(1)
            raise ProcessFailed("web exited; see web.log")


QUICK = RestartPolicy(first_delay_s=0.01, max_delay_s=0.05, max_failures=3)


def _eventually(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def supervisor() -> Iterator[Supervisor]:
    supervisor = Supervisor(QUICK, ready_timeout_s=1.0, poll_s=0.01)
    yield supervisor
    supervisor.close()
    supervisor.join(2.0)


def test_a_crashed_part_is_restarted_and_the_crash_logged(
    supervisor: Supervisor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="stack.supervision")
    process = FakeProcess()
    supervisor.watch(process, "fake://web/healthz")
    process.crash()
    _eventually(lambda: process.respawns == 1 and process.running)
    _eventually(lambda: "web restarted (attempt 1, pid 1001)" in caplog.text)
    assert "web exited with code -9 (SIGKILL); restart attempt 1 in 0 s" in caplog.text
    assert supervisor.watches(process) and not supervisor.given_up


def test_a_deliberate_stop_is_not_a_crash(supervisor: Supervisor) -> None:
    process = FakeProcess()
    supervisor.watch(process, "fake://web/healthz")
    process.stop()
    _eventually(lambda: not supervisor.watches(process))
    time.sleep(0.1)
    assert process.respawns == 0


def test_a_stop_during_the_backoff_keeps_the_part_down(caplog: pytest.LogCaptureFixture) -> None:
    supervisor = Supervisor(RestartPolicy(first_delay_s=0.3), poll_s=0.01)
    process = FakeProcess()
    supervisor.watch(process, "fake://web/healthz")
    process.crash()
    _eventually(lambda: "restart attempt 1" in caplog.text)
    process.stop()
    time.sleep(0.5)
    assert process.respawns == 0
    supervisor.close()
    supervisor.join(2.0)


def test_a_part_that_keeps_failing_is_given_up_and_stays_watched(
    supervisor: Supervisor, caplog: pytest.LogCaptureFixture
) -> None:
    process = FakeProcess(failing_starts=10)
    supervisor.watch(process, "fake://web/healthz")
    process.crash(3)
    _eventually(lambda: supervisor.given_up == {"web"})
    assert process.respawns == 2  # the crash, then two failed starts: three failures
    assert "web did not come back: web exited; see web.log; 3 failures within 300 s, giving up" in caplog.text
    assert any(r.levelno == logging.ERROR and "giving up" in r.getMessage() for r in caplog.records)
    # A given-up part still counts as handled: `make run` keeps the other parts serving.
    assert supervisor.watches(process)


def test_nothing_restarts_after_close(supervisor: Supervisor) -> None:
    process = FakeProcess()
    supervisor.watch(process, "fake://web/healthz")
    supervisor.close()
    process.crash()
    time.sleep(0.1)
    assert process.respawns == 0


def test_callbacks_hear_when_a_part_goes_down_and_when_its_restart_is_ready(supervisor: Supervisor) -> None:
    process, heard = FakeProcess(failing_starts=1), []
    supervisor.watch(
        process,
        "fake://web/healthz",
        on_down=lambda p: heard.append(("down", p.running)),
        on_up=lambda p: heard.append(("up", p.running)),
    )
    process.crash()
    _eventually(lambda: ("up", True) in heard)
    # Down at once, before any restart; up only after a restart that became ready (the first did not).
    assert heard == [("down", False), ("up", True)] and process.respawns == 2


def test_a_failing_callback_does_not_end_the_watch(
    supervisor: Supervisor, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(_: object) -> None:
        raise OSError("cannot reload")

    process = FakeProcess()
    supervisor.watch(process, "fake://web/healthz", on_down=refuse)
    process.crash()
    _eventually(lambda: process.respawns == 1 and process.running)
    assert "web: on_down callback failed" in caplog.text
