"""The Rasa server's /healthz, /readyz and /metrics, on the app Rasa configures (Rasa environment).

A real Sanic server on a free local port, built by ``rasa.core.run.configure_app`` with the HTTP
API behind a token, as ``rasa run --enable-api`` builds it. Readiness asks the Redis of
``TEST_REDIS_URL`` only PING.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import aiohttp
import pytest
import rasa.core.run
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from sanic import Sanic

from rasa_addons import metrics, operations
from rasa_addons.tracker_store import TimedRedisTrackerStore

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TOKEN = "rasa-api-token-0123456789abcdef"


# The server listens on the first free port from here (TEST_OPERATIONS_PORT).
FIRST_PORT = int(os.environ.get("TEST_OPERATIONS_PORT", "26105"))


def _free_port() -> int:
    for port in range(FIRST_PORT, FIRST_PORT + 50):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {FIRST_PORT}-{FIRST_PORT + 49}")


def _store(url: str) -> FailSafeTrackerStore:
    parts = urlparse(url)
    redis = TimedRedisTrackerStore(
        Domain.empty(), host=parts.hostname or "127.0.0.1", port=parts.port or 6379,
        db=int(parts.path[1:] or 0), socket_timeout=0.5, socket_connect_timeout=0.5,
    )  # fmt: skip
    return FailSafeTrackerStore(redis)


Get = Callable[[str], Any]


@pytest.fixture
async def rasa_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Sanic, Get]]:
    """Rasa's app, with the operations installed, served on a free port; ``get(path)`` -> (status, text)."""
    monkeypatch.setattr(rasa.core.run, "configure_app", rasa.core.run.configure_app)  # undone after the test
    monkeypatch.setattr(Sanic, "test_mode", True, raising=False)
    operations.install()
    port = _free_port()
    app = rasa.core.run.configure_app(enable_api=True, auth_token=TOKEN, port=port)
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    session = aiohttp.ClientSession()

    async def get(path: str) -> tuple[int, str]:
        async with session.get(f"http://127.0.0.1:{port}{path}") as answer:
            return answer.status, await answer.text()

    yield app, get
    await session.close()
    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()


async def test_the_routes_need_no_token_while_the_api_still_does(rasa_server: tuple[Sanic, Get]) -> None:
    _, get = rasa_server
    assert await get("/healthz") == (200, '{"status":"ok"}')
    status, text = await get("/metrics")
    assert status == 200 and "# TYPE cs_nlu_intents_total counter" in text
    assert (await get("/status"))[0] == 401  # Rasa's own API keeps its token


async def test_without_a_model_the_server_is_alive_but_not_ready(rasa_server: tuple[Sanic, Get]) -> None:
    _, get = rasa_server
    status, text = await get("/readyz")
    assert status == 503 and '"model":"not loaded"' in text


async def test_ready_once_the_model_is_loaded_and_the_tracker_store_answers(
    rasa_server: tuple[Sanic, Get],
) -> None:
    app, get = rasa_server
    app.ctx.agent = SimpleNamespace(is_ready=lambda: True, tracker_store=_store(TEST_REDIS_URL))
    assert await get("/readyz") == (200, '{"status":"ready","checks":{"model":"ok","tracker store":"ok"}}')


async def test_a_tracker_store_whose_redis_is_down_is_not_ready(rasa_server: tuple[Sanic, Get]) -> None:
    app, get = rasa_server
    app.ctx.agent = SimpleNamespace(is_ready=lambda: True, tracker_store=_store("redis://127.0.0.1:1/0"))
    status, text = await get("/readyz")
    assert status == 503 and "tracker store: no answer (ConnectionError)" in text
    assert "127.0.0.1" not in text


async def test_a_scrape_shows_the_counts_of_handled_messages(rasa_server: tuple[Sanic, Get]) -> None:
    _, get = rasa_server
    metrics.message_handled("socketio", 0.2)
    parsed = {"intent": {"name": "greet", "confidence": 0.97}}
    metrics.intent_parsed(parsed, SimpleNamespace(intents=["greet"]))
    _, text = await get("/metrics")
    assert 'cs_rasa_message_duration_seconds_count{channel="socketio"}' in text
    assert 'cs_nlu_intents_total{intent="greet"}' in text


def test_the_tracker_stores_redis_is_found_under_rasas_wrappers() -> None:
    store = _store("redis://127.0.0.1:1/0")
    assert operations.tracker_redis(store) is store._tracker_store.red
    assert operations.tracker_redis(SimpleNamespace(_tracker_store=SimpleNamespace())) is None


async def test_an_agent_without_its_model_is_not_ready_though_its_store_answers(
    rasa_server: tuple[Sanic, Get],
) -> None:
    app, get = rasa_server
    app.ctx.agent = SimpleNamespace(is_ready=lambda: False, tracker_store=_store(TEST_REDIS_URL))
    status, text = await get("/readyz")
    assert status == 503 and '"checks":{"model":"not loaded","tracker store":"ok"}' in text
