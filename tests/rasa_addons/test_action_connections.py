"""Runs in the Rasa environment (Python 3.10): `make test-bot`."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import aiohttp
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


class ClosingServer:
    """Answers the first call of a connection, then closes it under the next call unanswered.

    What a reloading nginx does to an idle pooled connection just as a call is written on it.
    """

    def __init__(self, answer_on_new_connections: bool = True) -> None:
        self.answer_on_new_connections = answer_on_new_connections
        self.connections = 0
        self.server: asyncio.AbstractServer | None = None
        self.port = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        answered = 0
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:  # the client closed its pooled connection
                writer.close()
                return
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            await reader.readexactly(length)
            if answered == 1 or (self.connections > 1 and not self.answer_on_new_connections):
                writer.close()  # closed under the call, nothing answered
                return
            body = json.dumps({"events": [], "connection": self.connections}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            answered += 1

    async def __aenter__(self) -> ClosingServer:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.server is not None
        await action_connections.close_sessions()
        for writer in self.writers:
            writer.close()
            await writer.wait_closed()
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "session", action_connections.pooled_session)
    monkeypatch.setattr(EndpointConfig, "request", action_connections.request_once_more_if_closed)


async def test_a_call_whose_pooled_connection_closes_under_it_is_sent_again_on_a_new_one(
    installed: None,
) -> None:
    async with ClosingServer() as server:
        endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
        assert await endpoint.request(json={}, method="post") == {"events": [], "connection": 1}
        assert await endpoint.request(json={}, method="post") == {"events": [], "connection": 2}
        # Later calls go back to the pool.
        assert await endpoint.request(json={}, method="post") == {"events": [], "connection": 3}
        assert server.connections == 3


async def test_a_call_that_fails_again_fails_as_in_stock_rasa(installed: None) -> None:
    async with ClosingServer(answer_on_new_connections=False) as server:
        endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook")
        await endpoint.request(json={}, method="post")
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await endpoint.request(json={}, method="post")
        assert server.connections == 2
