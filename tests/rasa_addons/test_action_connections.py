"""Runs in the Rasa environment (Python 3.10): `make test-bot`."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from rasa_addons import action_connections


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingServer:
    """An HTTP server that counts the TCP connections it accepted and echoes a header."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connections: set[tuple[str, int]] = set()
        self.runner: web.AppRunner | None = None

    async def answer(self, request: web.Request) -> web.Response:
        self.connections.add(request.transport.get_extra_info("peername"))
        return web.json_response({"auth": request.headers.get("Authorization"), "events": []})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self.answer)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
async def server() -> AsyncIterator[CountingServer]:
    counting = CountingServer(_free_port())
    await counting.start()
    yield counting
    await action_connections.close_sessions()
    await counting.stop()


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "session", action_connections.pooled_session)


async def test_calls_to_the_action_server_share_one_connection(server: CountingServer, pooled: None) -> None:
    endpoint = EndpointConfig(
        f"http://127.0.0.1:{server.port}/webhook", headers={"Authorization": "Bearer a"}
    )
    for _ in range(5):
        assert await endpoint.request(json={"next_action": "x"}, method="post") == {
            "auth": "Bearer a",
            "events": [],
        }
    assert len(server.connections) == 1


async def test_endpoints_with_other_headers_do_not_share_a_session(
    server: CountingServer, pooled: None
) -> None:
    first = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook", headers={"Authorization": "Bearer a"})
    second = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook", headers={"Authorization": "Bearer b"})
    assert (await first.request(json={}, method="post"))["auth"] == "Bearer a"
    assert (await second.request(json={}, method="post"))["auth"] == "Bearer b"
    assert (await first.request(json={}, method="post"))["auth"] == "Bearer a"


async def test_a_restarted_action_server_is_reached_on_a_new_connection(
    server: CountingServer, pooled: None
) -> None:
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
    await endpoint.request(json={}, method="post")
    await server.stop()
    await server.start()
    assert await endpoint.request(json={}, method="post") == {"auth": None, "events": []}
    assert len(server.connections) == 2
