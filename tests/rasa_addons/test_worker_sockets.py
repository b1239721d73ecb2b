"""The main process holds the port without listening; each worker's own socket gets a share of connections."""

from __future__ import annotations

import socket

import pytest

from rasa_addons.worker_sockets import HeldPort, hold_port, listening_copy, serve_on_own_socket


def _connect(port: int) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=1)
    return client


def test_connections_are_shared_out_over_the_workers_sockets() -> None:
    held = hold_port("127.0.0.1", 0)
    port = held.getsockname()[1]
    workers = [listening_copy(held, 128), listening_copy(held, 128)]
    clients = [_connect(port) for _ in range(64)]
    accepted = []
    try:
        for worker in workers:
            worker.setblocking(False)
            count = 0
            while True:
                try:
                    conn, _ = worker.accept()
                except BlockingIOError:
                    break
                conn.close()
                count += 1
            accepted.append(count)
    finally:
        for s in [*clients, *workers, held]:
            s.close()
    assert sum(accepted) == 64
    # The kernel hashes each connection to one socket: both get a share.
    assert min(accepted) > 0


def test_the_held_port_takes_no_connection_and_keeps_others_out() -> None:
    held = hold_port("127.0.0.1", 0)
    port = held.getsockname()[1]
    try:
        with pytest.raises(ConnectionRefusedError):
            _connect(port)
        # A program that does not share the port cannot bind it.
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))
    finally:
        held.close()


def test_a_port_taken_by_another_program_fails_at_start() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        with pytest.raises(OSError):
            hold_port("127.0.0.1", other.getsockname()[1])


def test_a_worker_serves_on_its_own_socket_and_lets_the_held_one_go(monkeypatch: pytest.MonkeyPatch) -> None:
    held = hold_port("127.0.0.1", 0)
    port = held.getsockname()[1]
    given: dict[str, object] = {}
    monkeypatch.setattr("rasa_addons.worker_sockets._stock_serve", lambda **settings: given.update(settings))
    serve_on_own_socket(sock=held, backlog=10, host=None, port=None)
    own = given["sock"]
    try:
        assert isinstance(own, socket.socket) and not isinstance(own, HeldPort)
        assert own.getsockname()[1] == port
        assert held.fileno() == -1  # this process's copy of the held port is closed
        _connect(port).close()
    finally:
        assert isinstance(own, socket.socket)
        own.close()


def test_a_socket_sanic_was_given_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    given: dict[str, object] = {}
    monkeypatch.setattr("rasa_addons.worker_sockets._stock_serve", lambda **settings: given.update(settings))
    with socket.socket() as plain:
        serve_on_own_socket(sock=plain, backlog=10)
        assert given["sock"] is plain
    serve_on_own_socket(sock=None, host="127.0.0.1", port=5005)
    assert given["sock"] is None
