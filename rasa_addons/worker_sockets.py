"""Each Sanic worker of the Rasa server listens on a socket of its own, and the kernel shares out connections.

Sanic 21.12 (Rasa 3.6's) binds one listening socket and every worker accepts from it.
asyncio wakes each idle worker for a new connection and lets it accept up to 100 at once,
so a burst of customers lands unevenly: 33 of 50 keep-alive connections on one of two
workers in the throughput benchmark, whose customers then waited twice as long
(benchmarks/README.md).

Here the main process binds the port with ``SO_REUSEPORT`` and does not listen on it (it
only holds the port, so a port already taken still fails at start, and a listening socket of
another program cannot join); each worker binds its own listening socket to the same address,
and Linux hashes each new connection to one of them. Where ``SO_REUSEPORT`` is missing, or
Sanic is given a socket or a Unix path, nothing changes.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from sanic.server import runners

logger = logging.getLogger(__name__)

_stock_bind_socket = runners.bind_socket
_stock_serve = runners.serve


class HeldPort(socket.socket):
    """The main process's socket: bound with ``SO_REUSEPORT``, never listening."""


def hold_port(host: str, port: int, *, backlog: int = 100) -> socket.socket:
    """Drop-in for Sanic's ``bind_socket`` in ``serve_multiple``: the port, bound but not listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    held = HeldPort(family, socket.SOCK_STREAM)
    try:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind((host, port))
    except OSError:
        held.close()
        raise
    return held


def listening_copy(held: socket.socket, backlog: int) -> socket.socket:
    """A listening socket of this worker's own on ``held``'s address."""
    own = socket.socket(held.family, socket.SOCK_STREAM)
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    own.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    own.bind(held.getsockname()[:2])
    own.listen(backlog)
    return own


def serve_on_own_socket(**settings: Any) -> Any:
    """Drop-in for Sanic's worker ``serve``: listen on a socket of this worker's own."""
    held = settings.get("sock")
    if isinstance(held, HeldPort):
        settings["sock"] = listening_copy(held, settings.get("backlog") or 100)
        held.close()  # this process's copy; the main process keeps the port
    return _stock_serve(**settings)


def install() -> None:
    """Share out the Rasa server's connections across its workers by the kernel (if it can)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        logger.info("no SO_REUSEPORT here: the Rasa workers share one listening socket")
        return
    runners.bind_socket = hold_port
    runners.serve = serve_on_own_socket  # type: ignore[assignment]
