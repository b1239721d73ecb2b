"""Rasa's Redis tracker store with socket timeouts.

Stock ``RedisTrackerStore`` builds its client without timeouts, so a Redis that
accepts connections and never answers holds a Rasa worker for as long as the
kernel keeps the socket open. With ``socket_timeout`` (bot/endpoints.yml) such a
turn fails within seconds, the failure is logged, and the worker serves others.
"""

from __future__ import annotations

from typing import Any

import redis
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain

SOCKET_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 2.0


class TimedRedisTrackerStore(RedisTrackerStore):
    """``RedisTrackerStore`` whose client gives up on a silent Redis; everything else is Rasa's."""

    def __init__(
        self,
        domain: Domain,
        host: str = "localhost",
        port: int = 6379,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        socket_timeout: float = SOCKET_TIMEOUT_S,
        socket_connect_timeout: float = CONNECT_TIMEOUT_S,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, host, port, db, username, password, event_broker, **kwargs)
        self.red = redis.StrictRedis(
            host=host,
            port=int(port),
            db=int(db),
            username=username,
            password=password or None,
            ssl=bool(kwargs.get("use_ssl", False)),
            ssl_keyfile=kwargs.get("ssl_keyfile"),
            ssl_certfile=kwargs.get("ssl_certfile"),
            ssl_ca_certs=kwargs.get("ssl_ca_certs"),
            decode_responses=True,
            socket_timeout=float(socket_timeout),
            socket_connect_timeout=float(socket_connect_timeout),
        )
