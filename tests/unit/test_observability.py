"""What the three servers' operations endpoints share (actions/observability.py).

The multiprocess test runs real processes: two "workers" count into one directory and a
third answers the scrape with both workers' counts, as a Sanic worker does.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter

from actions import observability
from actions.observability import (
    MULTIPROC_VARIABLE,
    Readiness,
    exposition,
    never_fails,
    port_from_argv,
    prepare_metrics_directory,
    probe,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "port"),
    [
        (["rasa", "run", "--port", "26005"], 26005),
        (["rasa", "run", "-p", "26006", "--enable-api"], 26006),
        (["-m", "rasa_sdk", "--actions", "actions", "--port=26055"], 26055),
        (["rasa", "run", "--enable-api"], 5005),
        (["rasa", "run", "--port"], 5005),
        (["rasa", "run", "--port", "eighty"], 5005),
    ],
)
def test_the_port_comes_from_the_command_line(argv: list[str], port: int) -> None:
    assert port_from_argv(argv, 5005) == port


def test_a_server_gets_a_fresh_private_directory_and_earlier_runs_are_removed(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    first = prepare_metrics_directory("rasa", 26005, environ, temp_dir=tmp_path)
    (first / "counter_123.db").write_bytes(b"old")
    other_port = prepare_metrics_directory("rasa", 26006, {}, temp_dir=tmp_path)

    environ = {}
    second = prepare_metrics_directory("rasa", 26005, environ, temp_dir=tmp_path)

    assert environ[MULTIPROC_VARIABLE] == str(second)
    assert second != first and not first.exists()
    assert second.name.startswith("cs-metrics-rasa-26005-") and list(second.iterdir()) == []
    assert other_port.exists()  # another server's directory is left alone
    assert second.stat().st_mode & 0o777 == 0o700


def test_an_operators_directory_is_kept_but_emptied_of_metric_files(tmp_path: Path) -> None:
    chosen = tmp_path / "metrics" / "action-server"
    chosen.mkdir(parents=True)
    (chosen / "counter_1.db").write_bytes(b"old")
    (chosen / "README").write_text("kept")
    environ = {MULTIPROC_VARIABLE: str(chosen)}

    assert prepare_metrics_directory("action-server", 26055, environ) == chosen
    assert sorted(p.name for p in chosen.iterdir()) == ["README"]
    assert environ[MULTIPROC_VARIABLE] == str(chosen)


def test_a_failing_update_is_swallowed_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    @never_fails
    def broken(value: int) -> None:
        calls.append(value)
        raise ValueError("the metrics file is gone")

    caplog.set_level(logging.WARNING, logger=observability.__name__)
    broken(1)
    broken(2)
    assert calls == [1, 2]
    assert [r.getMessage() for r in caplog.records].count(
        f"metrics: {__name__}.{broken.__qualname__} failed (later failures are not logged)"
    ) == 1


def test_one_process_exposes_its_registry_and_the_scrape_time_collectors() -> None:
    registry = CollectorRegistry()
    Counter("cs_trial_total", "A trial counter.", ["kind"], registry=registry).labels("a").inc(3)
    extra = CollectorRegistry()
    Counter("cs_scraped_total", "Read at scrape time.", registry=extra).inc()

    body, content_type = exposition(registry, [extra], environ={})

    assert 'cs_trial_total{kind="a"} 3.0' in body.decode()
    assert "cs_scraped_total 1.0" in body.decode()
    assert content_type.startswith("text/plain")


_WORKER = textwrap.dedent("""
    import sys
    from prometheus_client import CollectorRegistry, Counter
    counter = Counter("cs_trial_total", "A trial counter.", ["kind"], registry=CollectorRegistry())
    counter.labels("turn").inc(int(sys.argv[1]))
""")
_SCRAPE = textwrap.dedent("""
    from prometheus_client import CollectorRegistry
    from actions.observability import exposition
    body, _ = exposition(CollectorRegistry())
    print(body.decode())
""")


def test_a_scrape_of_any_worker_adds_up_every_workers_counts(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != MULTIPROC_VARIABLE}
    prepare_metrics_directory("trial", 26999, environ, temp_dir=tmp_path)
    for count in ("2", "5"):
        subprocess.run([sys.executable, "-c", _WORKER, count], env=environ, check=True, cwd=ROOT)

    scraped = subprocess.run(
        [sys.executable, "-c", _SCRAPE], env=environ, check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout

    assert 'cs_trial_total{kind="turn"} 7.0' in scraped


def test_readiness_names_what_fails() -> None:
    ready = Readiness({"model": "ok", "redis": "ok"})
    assert (ready.ready, ready.status_code) == (True, 200)
    assert ready.body() == {"status": "ready", "checks": {"model": "ok", "redis": "ok"}}

    down = Readiness({"model": "ok", "redis": "no answer (ConnectionError)"})
    assert (down.ready, down.status_code) == (False, 503)
    assert down.body()["reason"] == "redis: no answer (ConnectionError)"


async def test_a_probe_gives_the_error_class_never_its_text() -> None:
    async def fine() -> None:
        return None

    async def refused() -> None:
        raise ConnectionError("Error 111 connecting to 10.0.0.7:6379. Connection refused.")

    async def silent() -> None:
        await asyncio.sleep(5)

    assert await probe(fine) == "ok"
    assert await probe(refused) == "no answer (ConnectionError)"
    assert await probe(silent, timeout_s=0.05) == "no answer within 0.05 s"
