"""``python -m rasa_addons run`` checks that the Redis of bot/endpoints.yml keeps data (Rasa environment).

Against the real Redis of ``TEST_REDIS_URL`` (database 2 by default), which it only asks
INFO and CONFIG: nothing is written, so no database is flushed.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlparse

import pytest
import redis

from actions.redis_persistence import OVERRIDE, check_client_options, inspect_redis
from rasa_addons import __main__ as rasa_main

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
RUN = ["rasa", "run", "--enable-api"]
LOGGER = "actions.redis_persistence"


@pytest.fixture
def environ() -> dict[str, str]:
    """REDIS_* as the stack gives them to Rasa (stack/redis_server.py), for the test Redis."""
    parsed = urlparse(TEST_REDIS_URL)
    with redis.Redis.from_url(TEST_REDIS_URL, **check_client_options()) as client:
        if inspect_redis(client, "test").persists:
            pytest.skip("the test Redis persists: the refusal needs one that keeps nothing on disk")
    return {
        "REDIS_HOST": parsed.hostname or "127.0.0.1",
        "REDIS_PORT": str(parsed.port or 6379),
        "REDIS_DB": (parsed.path or "/0").lstrip("/") or "0",
        "REDIS_PASSWORD": parsed.password or "",
    }


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == LOGGER and record.levelno >= logging.WARNING
    ]


def test_production_exits_naming_the_override(environ: dict[str, str]) -> None:
    with pytest.raises(SystemExit, match=f"refusing to start: .*keeps nothing on disk.*{OVERRIDE}=true"):
        rasa_main.check_redis_persistence(RUN, {**environ, "CS_ENV": "production"})


def test_the_override_starts_production_with_a_warning(
    environ: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    rasa_main.check_redis_persistence(RUN, {**environ, "CS_ENV": "production", OVERRIDE: "true"})
    (warning,) = _warnings(caplog)
    assert f"starting anyway because {OVERRIDE}=true" in warning


def test_the_demo_logs_one_warning(environ: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    rasa_main.check_redis_persistence(RUN, environ)
    (warning,) = _warnings(caplog)
    address = f"{environ['REDIS_HOST']}:{environ['REDIS_PORT']}/{environ['REDIS_DB']}"
    lost = "keeps nothing on disk: a restart loses conversations, the handoff queue and accounts"
    assert warning.startswith(f"Redis at {address} {lost}")


def test_only_run_with_a_configured_redis_is_checked(
    environ: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    production = {**environ, "CS_ENV": "production"}
    rasa_main.check_redis_persistence(["rasa", "train"], production)
    rasa_main.check_redis_persistence(RUN, {"CS_ENV": "production"})
    assert _warnings(caplog) == []


def test_a_malformed_port_stops_the_start_naming_it(environ: dict[str, str]) -> None:
    with pytest.raises(SystemExit, match="REDIS_PORT"):
        rasa_main.check_redis_persistence(RUN, {**environ, "REDIS_PORT": "redis"})


def test_a_redis_that_does_not_answer_is_logged_and_rasa_starts(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    dead = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1", "REDIS_DB": "0", "CS_ENV": "production"}
    rasa_main.check_redis_persistence(RUN, dead)
    (warning,) = _warnings(caplog)
    assert "did not answer the persistence check" in warning
