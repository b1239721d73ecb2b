"""The stack's topics job and demo history: off by default, on for `make run`, never in production."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from stack.__main__ import DEMO_HISTORY_DAYS, TOPICS_EVERY_S, _overrides
from stack.config import StackSettings
from stack.supervision import RestartPolicy, Supervisor


class JobProcess:
    """A part with no readiness URL: asking it to be ready is a mistake."""

    name = "topics"
    log_path = Path("topics.log")

    def __init__(self) -> None:
        self.respawns, self._alive = 0, True

    @property
    def running(self) -> bool:
        return self._alive

    @property
    def stopped(self) -> bool:
        return False

    @property
    def returncode(self) -> int | None:
        return None if self._alive else 1

    @property
    def pid(self) -> int | None:
        return 2000 + self.respawns

    def respawn(self) -> bool:
        self.respawns += 1
        self._alive = True
        return True

    def terminate(self) -> None:
        self._alive = False

    def wait_until_ready(self, url: str, timeout_s: float) -> None:
        raise AssertionError("a job without a readiness URL was asked to be ready")


@pytest.fixture(autouse=True)
def _no_stack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CS_ENV", "DEMO_HISTORY_DAYS", "TOPICS_EVERY_S", "RASA_TOKEN", "ACTION_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_a_job_that_exits_is_started_again_without_a_readiness_check() -> None:
    supervisor = Supervisor(RestartPolicy(first_delay_s=0.01, max_delay_s=0.05), poll_s=0.01)
    job = JobProcess()
    try:
        supervisor.watch(job, None)
        job.terminate()  # the job exits on its own
        deadline = time.monotonic() + 5
        while not (job.respawns == 1 and job.running):
            assert time.monotonic() < deadline, "the job was not restarted"
            time.sleep(0.01)
        assert not supervisor.given_up
    finally:
        supervisor.close()
        supervisor.join(2.0)


def _args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(**{"replicas": None, "demo_history_days": None, "topics_every": None, **given})


def test_stacks_start_without_them_and_make_run_turns_both_on() -> None:
    settings = StackSettings()
    assert (settings.demo_history_days, settings.topics_every_s) == (0, 0)
    run = StackSettings(**_overrides(_args()))
    assert (run.demo_history_days, run.topics_every_s) == (DEMO_HISTORY_DAYS, TOPICS_EVERY_S)
    chosen = StackSettings(**_overrides(_args(demo_history_days=0, topics_every=60.0)))
    assert (chosen.demo_history_days, chosen.topics_every_s) == (0, 60.0)


def test_the_environment_decides_when_it_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_HISTORY_DAYS", "14")
    monkeypatch.setenv("TOPICS_EVERY_S", "0")
    settings = StackSettings(**_overrides(_args()))
    assert (settings.demo_history_days, settings.topics_every_s) == (14, 0)


def test_production_never_loads_the_demo_history(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {"rasa_token": "a-real-rasa-token-of-some-length-0123", "action_server_token": "x" * 40}
    with pytest.raises(ValidationError, match="demo_history_days: the demo history is simulated data"):
        StackSettings(cs_env="production", demo_history_days=42, **secrets)  # type: ignore[arg-type]
    monkeypatch.setenv("CS_ENV", "production")
    assert "demo_history_days" not in _overrides(_args())
