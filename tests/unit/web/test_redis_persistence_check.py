"""The web app's startup checks that its Redis keeps data: production refuses, the demo warns.

On the Redis of ``--redis-url`` (``TEST_REDIS_URL``), flushed before and after: production
also looks for demo console accounts there, which must not exist.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from redis import Redis
from starlette.testclient import TestClient

from actions.deployment import ProductionRefused
from actions.redis_persistence import OVERRIDE, inspect_redis
from web.accounts.settings import AccountSettings
from web.app import BUNDLES, create_app
from web.settings import WebSettings

LOGGER = "actions.redis_persistence"


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    # The suite's own Redis, not the database this package's conftest names.
    return str(request.config.getoption("--redis-url"))


@pytest.fixture
def non_persisting(redis_client: Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("CS_ENV", OVERRIDE):
        monkeypatch.delenv(name, raising=False)
    if inspect_redis(redis_client, "test").persists:
        pytest.skip("the test Redis persists: the refusal needs one that keeps nothing on disk")
    return redis_url


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    return tmp_path


def _production(build_dir: Path, redis_url: str) -> WebSettings:
    return WebSettings(
        cs_env="production",
        rasa_token="r" * 40,
        cs_identity_secret="i" * 40,
        conversation_secret="c" * 40,
        accounts=AccountSettings(web_secret_key="k" * 40),
        web_build_dir=build_dir,
        redis_url=redis_url,
    )


def test_production_does_not_start_on_a_redis_without_persistence(
    build_dir: Path, non_persisting: str
) -> None:
    with pytest.raises(ProductionRefused, match=f"keeps nothing on disk.*{OVERRIDE}=true"):
        with TestClient(create_app(_production(build_dir, non_persisting))):
            pass


def test_the_override_starts_production(
    build_dir: Path, non_persisting: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(OVERRIDE, "true")
    caplog.set_level(logging.WARNING, LOGGER)
    with TestClient(create_app(_production(build_dir, non_persisting))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
    assert f"starting anyway because {OVERRIDE}=true" in caplog.text


def test_the_demo_starts_with_one_warning(
    build_dir: Path, non_persisting: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    with TestClient(create_app(WebSettings(web_build_dir=build_dir, redis_url=non_persisting))) as client:
        assert client.get("/healthz").status_code == 200
    assert [record.levelno for record in caplog.records if record.name == LOGGER] == [logging.WARNING]
    assert (
        "keeps nothing on disk: a restart loses conversations, the handoff queue and accounts" in caplog.text
    )


def test_a_redis_that_does_not_answer_is_logged_and_the_demo_starts(
    build_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, LOGGER)
    settings = WebSettings(web_build_dir=build_dir, redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
    assert "did not answer the persistence check" in caplog.text
