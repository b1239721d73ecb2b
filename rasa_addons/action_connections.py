"""One HTTP connection pool per Rasa worker for its calls to the action server.

Stock ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` for every call
and closes it after: a new connector, a new TCP connection and its teardown on both
servers, for every custom action of every turn (a tenth of the Rasa server's time on
simple turns, py-spy, benchmarks/README.md). Here each endpoint keeps one session per
event loop, and ``request`` borrows it.

Pooled connections are dropped after ``KEEPALIVE_S`` idle, inside the keep-alive of the
servers behind the endpoint (Sanic's, nginx's 75 s). A server can still close a pooled
connection just as a call is sent on it: nginx does so to its idle connections when it
reloads (the scaled-out stack reloads its balancer whenever a replica goes down or comes
back), and a worker busy with a turn notices the close only after it has written the
next call. The call then fails before any answer (``ServerDisconnectedError``, a reset),
and is sent once more on a new connection of its own, as stock Rasa would have sent it.
An action server that crashed while running the action may run it a second time; the
balancer retries such calls on another replica for the same reason
(deploy/nginx-cluster.conf): better than a "technical problem" reply.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from contextvars import ContextVar
from typing import Any

import aiohttp
import rasa.core.run
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig
from sanic import Sanic

logger = logging.getLogger(__name__)

KEEPALIVE_S = 2.0
# The connection closed under the call, before any answer: worth one more try.
CLOSED_UNDER_CALL = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)

_stock_session = EndpointConfig.session
_stock_request = EndpointConfig.request
# Set while a call is sent once more: it then takes a new session (and connection) of its own.
_unpooled: ContextVar[bool] = ContextVar("unpooled", default=False)

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


def pooled_session(endpoint: EndpointConfig) -> BorrowedSession | aiohttp.ClientSession:
    """Drop-in for ``EndpointConfig.session``: this event loop's session for ``endpoint``."""
    if _unpooled.get():
        return _stock_session(endpoint)  # closed after the call, as in stock Rasa
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


async def request_once_more_if_closed(endpoint: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    """Drop-in for ``EndpointConfig.request``: a call whose connection closed under it is sent again.

    Only once, on a connection of its own; a second failure is the caller's, as in stock Rasa.
    """
    try:
        return await _stock_request(endpoint, *args, **kwargs)
    except CLOSED_UNDER_CALL as error:
        logger.warning("connection to %s closed under a call (%r); sending it once more", endpoint.url, error)
    token = _unpooled.set(True)
    try:
        return await _stock_request(endpoint, *args, **kwargs)
    finally:
        _unpooled.reset(token)


async def close_sessions() -> None:
    """Close this event loop's pooled sessions (at server stop, and in tests)."""
    for session in _sessions.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


async def _close_at_stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
    await close_sessions()


def install() -> None:
    """Make Rasa's endpoints (the action server's above all) reuse their connections."""
    EndpointConfig.session = pooled_session
    EndpointConfig.request = request_once_more_if_closed
    inner = rasa.core.run.configure_app

    def configure_app_closing_sessions(*args: Any, **kwargs: Any) -> Sanic:
        app = inner(*args, **kwargs)
        app.register_listener(_close_at_stop, "after_server_stop")
        return app

    rasa.core.run.configure_app = configure_app_closing_sessions
