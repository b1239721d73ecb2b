"""A flood from one address through the public proxy: it gets 429s, other customers are served.

deploy/nginx-public.conf runs in front of the real stack. nginx keys its limits on the
client address, so each test's abuser binds a loopback address of its own (127.0.0.2,
127.0.0.3: all of 127/8 is this machine) while the customer stays on 127.0.0.1. The
flood comes from another process, as it would from another machine, so the customer's
latency is the servers' and not this test's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import re
import socket
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import aiohttp
import pytest
import socketio

from stack.assistant import Assistant
from stack.proxy import PUBLIC_CONF, serving_public_proxy
from tests.integration.test_socketio import Tab, _tab

pytestmark = pytest.mark.integration

# Each test's own client address (the proxy's limits are per address).
FLOODER = "127.0.0.2"
HOARDER = "127.0.0.3"
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
FLOOD_RATE = 1000  # requests a second
FLOOD_S = 3.0
# Fewer than the proxy's sockets per address, so what refuses the flood is the request rate.
FLOOD_CONNECTIONS = 8
REPLY_WITHIN_S = 3.0


@dataclass(frozen=True)
class Flood:
    """What one flood got back, and when it ran (``time.monotonic``, the same clock in every process)."""

    statuses: dict[int, int]
    started: float
    ended: float

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())


def _flood(url: str, address: str, rate: int, seconds: float, connections: int) -> Flood:
    """Socket.io handshakes from ``address`` at ``rate`` a second; run in a process of its own."""
    return asyncio.run(_send_flood(url, address, rate, seconds, connections))


async def _send_flood(url: str, address: str, rate: int, seconds: float, connections: int) -> Flood:
    statuses: Counter[int] = Counter()
    connector = aiohttp.TCPConnector(local_addr=(address, 0), limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()

        async def handshake(n: int) -> None:
            await asyncio.sleep(started + n / rate - time.monotonic())
            async with session.get(f"{url}{HANDSHAKE}") as response:
                await response.read()
                statuses[response.status] += 1

        await asyncio.gather(*(handshake(n) for n in range(int(rate * seconds))))
        return Flood(dict(statuses), started, time.monotonic())


def _proxy_limit(pattern: str) -> int:
    """A number from deploy/nginx-public.conf, so the test follows the proxy's settings."""
    found = re.search(pattern, PUBLIC_CONF.read_text())
    assert found, pattern
    return int(found[1])


@pytest.fixture(scope="module")
def public_url(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """deploy/nginx-public.conf in front of the running assistant, its limits not yet used by anyone."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with serving_public_proxy(
        assistant.rasa_url.removeprefix("http://"),
        assistant.web_url.removeprefix("http://"),
        f"127.0.0.1:{port}",
        tmp_path_factory.mktemp("proxy"),
    ) as url:
        yield url


async def _reply_time(tab: Tab, text: str) -> float:
    """Seconds from sending ``text`` to the bot's first message; the rest of the answer is drained."""
    started = time.monotonic()
    await tab.client.emit("user_uttered", {"message": text, "session_id": tab.session_id, "customData": {}})
    await asyncio.wait_for(tab.replies.get(), 30)
    elapsed = time.monotonic() - started
    await asyncio.sleep(0.3)  # a response may come as several messages
    while not tab.replies.empty():
        tab.replies.get_nowait()
    return elapsed


async def test_a_flood_from_one_address_gets_429s_while_another_customer_is_served(public_url: str) -> None:
    rate, burst = _proxy_limit(r"zone=public:\S+ rate=(\d+)r/s"), _proxy_limit(r"zone=public burst=(\d+)")
    loop = asyncio.get_running_loop()
    async with _tab(public_url) as customer:
        without_flood = [await _reply_time(customer, "hello") for _ in range(4)]
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            # The flooder's process starts (imports this module) before the clock runs.
            await loop.run_in_executor(pool, _flood, public_url, FLOODER, 1, 0, 1)
            flooding = loop.run_in_executor(
                pool, _flood, public_url, FLOODER, FLOOD_RATE, FLOOD_S, FLOOD_CONNECTIONS
            )
            # The customer keeps talking until the flood is over (under 15 messages: no "slow down").
            sent_at: list[tuple[float, float]] = []
            while not flooding.done() and len(sent_at) < 10:
                sent_at.append((time.monotonic(), await _reply_time(customer, "hello")))
            flood = await flooding
    during_flood = [latency for at, latency in sent_at if flood.started <= at <= flood.ended]
    flood_s = flood.ended - flood.started
    accepted, refused = flood.statuses.get(200, 0), flood.statuses.get(429, 0)
    print(
        f"\nflood from {FLOODER}: {flood.sent} handshakes in {flood_s:.2f} s ({flood.sent / flood_s:.0f}/s): "
        f"{accepted} answered 200, {refused} refused 429 (proxy: {rate} r/s, burst {burst})"
        f"\ncustomer on 127.0.0.1, first reply (s): without flood {_seconds(without_flood)}, "
        f"during flood {_seconds(during_flood)}"
    )
    # It was a flood: about a thousand requests a second ...
    assert flood.sent == int(FLOOD_RATE * FLOOD_S) and flood_s < FLOOD_S * 1.5
    # ... and the proxy let through its burst and its rate, and refused everything else.
    assert accepted + refused == flood.sent, flood.statuses
    assert burst <= accepted <= burst + 1 + rate * flood_s + 5
    # Meanwhile the customer was answered as usual.
    assert len(during_flood) >= 3
    assert max(without_flood + during_flood) < REPLY_WITHIN_S
    assert statistics.median(during_flood) < statistics.median(without_flood) + 1.0


def _seconds(latencies: list[float]) -> str:
    return f"median {statistics.median(latencies):.3f}, max {max(latencies):.3f} of {len(latencies)}"


@contextlib.asynccontextmanager
async def _socket_from(address: str, url: str) -> AsyncIterator[socketio.AsyncClient]:
    """A widget-like socket.io connection (websocket only) whose packets leave from ``address``."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))
    client = socketio.AsyncClient(http_session=session, reconnection=False)
    try:
        await client.connect(url, transports=["websocket"], wait_timeout=10)
        yield client
    finally:
        await client.disconnect()
        await session.close()


async def _websocket_status(address: str, url: str) -> int:
    """The proxy's answer to a websocket handshake from ``address`` (101 if it let it through)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        try:
            async with session.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket"):
                return 101
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status


async def test_an_address_holds_at_most_the_allowed_sockets_and_others_still_connect(public_url: str) -> None:
    allowed = _proxy_limit(r"limit_conn sockets (\d+);")
    async with contextlib.AsyncExitStack() as held:
        sockets = [await held.enter_async_context(_socket_from(HOARDER, public_url)) for _ in range(allowed)]
        # One more from that address is refused; the ones it holds stay open.
        assert await _websocket_status(HOARDER, public_url) == 429
        with pytest.raises(socketio.exceptions.ConnectionError):
            async with _socket_from(HOARDER, public_url):
                pass
        await asyncio.sleep(1)
        assert all(s.connected for s in sockets)
        # Another address connects and holds a conversation.
        async with _tab(public_url) as customer:
            assert await _reply_time(customer, "hello") < REPLY_WITHIN_S
        # A socket closed frees its place.
        await sockets.pop().disconnect()
        await asyncio.sleep(0.5)
        assert await _websocket_status(HOARDER, public_url) == 101
