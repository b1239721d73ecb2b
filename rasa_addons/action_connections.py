"""One HTTP connection pool per Rasa worker for its calls to the action server.

Stock ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` for every call
and closes it after: a new connector, a new TCP connection and its teardown on both
servers, for every custom action of every turn (a tenth of the Rasa server's time on
simple turns, py-spy, benchmarks/README.md). Here each endpoint keeps one session per
event loop, and ``request`` borrows it.

Pooled connections are dropped after ``KEEPALIVE_S`` idle, well inside the keep-alive of
the servers behind the endpoint (Sanic's 5 s for the action server, nginx's 75 s), so
the pool never sends on a connection the server is closing. A server that dies closes
its connections, which aiohttp then takes out of the pool: the next call connects anew.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import aiohttp
import rasa.core.run
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig
from sanic import Sanic

KEEPALIVE_S = 2.0

# A session depends on the endpoint's headers and basic auth only (the URL is per request).
SessionKey = tuple[tuple[tuple[str, str], ...], tuple[str, str] | None]
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[SessionKey, aiohttp.ClientSession]] = (
    weakref.WeakKeyDictionary()
)


class BorrowedSession:
    """``async with`` yields the pooled session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


def pooled_session(endpoint: EndpointConfig) -> BorrowedSession:
    """Drop-in for ``EndpointConfig.session``: this event loop's session for ``endpoint``."""
    loop = asyncio.get_running_loop()
    basic = endpoint.basic_auth
    credentials = (str(basic["username"]), str(basic["password"])) if basic else None
    key: SessionKey = (
        tuple(sorted((str(k), str(v)) for k, v in (endpoint.headers or {}).items())),
        credentials,
    )
    by_key = _sessions.setdefault(loop, {})
    session = by_key.get(key)
    if session is None or session.closed:
        auth = aiohttp.BasicAuth(*credentials) if credentials else None
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S),
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        )
        by_key[key] = session
    return BorrowedSession(session)


async def close_sessions() -> None:
    """Close this event loop's pooled sessions (at server stop, and in tests)."""
    for session in _sessions.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


async def _close_at_stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
    await close_sessions()


def install() -> None:
    """Make Rasa's endpoints (the action server's above all) reuse their connections."""
    EndpointConfig.session = pooled_session
    inner = rasa.core.run.configure_app

    def configure_app_closing_sessions(*args: Any, **kwargs: Any) -> Sanic:
        app = inner(*args, **kwargs)
        app.register_listener(_close_at_stop, "after_server_stop")
        return app

    rasa.core.run.configure_app = configure_app_closing_sessions
