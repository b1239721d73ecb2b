"""The action server's primary process: checks that its Redis keeps data, picks the metrics directory.

Against the real Redis of ``--redis-url`` (``TEST_REDIS_URL``), which it only asks INFO
and CONFIG: nothing is written, so no database is flushed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from redis import Redis

from actions.observability import MULTIPROC_VARIABLE
from actions.redis_persistence import OVERRIDE, check_client_options, inspect_redis
from actions.settings import Settings
from rasa_sdk_plugins import check_redis, prepare_metrics

REAL_TOKEN = "t" * 40
LOGGER = "actions.redis_persistence"


@pytest.fixture
def non_persisting(redis_url: str) -> str:
    with Redis.from_url(redis_url, **check_client_options()) as client:
        if inspect_redis(client, "test").persists:
            pytest.skip("the test Redis persists: the refusal needs one that keeps nothing on disk")
    return redis_url


def _production(redis_url: str) -> Settings:
    return Settings(cs_env="production", action_server_token=REAL_TOKEN, redis_url=redis_url)


def test_production_exits_naming_the_override(non_persisting: str) -> None:
    with pytest.raises(SystemExit, match=f"refusing to start: .*keeps nothing on disk.*{OVERRIDE}=true"):
        check_redis(_production(non_persisting), {})


def test_the_override_starts_production(non_persisting: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    check_redis(_production(non_persisting), {OVERRIDE: "true"})
    assert f"starting anyway because {OVERRIDE}=true" in caplog.text


def test_a_malformed_override_stops_the_start_naming_it(non_persisting: str) -> None:
    with pytest.raises(SystemExit, match=OVERRIDE):
        check_redis(_production(non_persisting), {OVERRIDE: "maybe"})


def test_the_demo_warns_once(non_persisting: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    check_redis(Settings(redis_url=non_persisting), {})
    assert [record.levelno for record in caplog.records if record.name == LOGGER] == [logging.WARNING]
    assert "keeps nothing on disk: a restart loses conversations" in caplog.text


def test_workers_leave_the_check_to_the_primary(
    non_persisting: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    check_redis(_production(non_persisting), {"SANIC_WORKER_NAME": "Sanic-Server-0-0"})
    assert [record for record in caplog.records if record.name == LOGGER] == []


def test_a_redis_that_does_not_answer_is_logged_and_the_server_starts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    check_redis(_production("redis://127.0.0.1:1/0"), {})
    assert "did not answer the persistence check" in caplog.text


def test_the_primary_chooses_the_metrics_directory_for_its_port_and_workers_inherit_it(
    tmp_path: Path,
) -> None:
    environ = {MULTIPROC_VARIABLE: str(tmp_path / "metrics")}
    prepare_metrics(environ, ["rasa_sdk", "--actions", "actions", "--port", "26055"])
    assert (tmp_path / "metrics").is_dir()

    fresh: dict[str, str] = {}
    prepare_metrics(fresh, ["rasa_sdk", "--actions", "actions", "--port", "26055"])
    assert Path(fresh[MULTIPROC_VARIABLE]).name.startswith("cs-metrics-action-server-26055-")
    Path(fresh[MULTIPROC_VARIABLE]).rmdir()

    worker = {"SANIC_WORKER_NAME": "Sanic-Server-0-0"}
    prepare_metrics(worker, ["rasa_sdk", "--port", "26055"])
    assert MULTIPROC_VARIABLE not in worker  # a worker uses the primary's, from its environment
