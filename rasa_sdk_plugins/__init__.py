"""rasa-sdk's plugin hook (it imports a top-level ``rasa_sdk_plugins``): our additions to its Sanic app.

Every action-server worker builds its app through rasa-sdk, which calls
``attach_sanic_app_extensions``; here that puts the shared-secret check in front of
every action call (actions/endpoint_auth.py), masks personal data in its logs
(actions/log_redaction.py), checks once that Redis keeps its data (actions/redis_persistence.py)
and loads the models before each worker serves.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pluggy
from sanic import Sanic
from sanic.worker.manager import WorkerManager
from sanic.worker.process import WorkerProcess

if TYPE_CHECKING:
    from actions.settings import Settings

hookimpl = pluggy.HookimplMarker("rasa_sdk")
# How long (tenths of a second, Sanic's unit) a worker may take to start: 3 minutes.
WORKER_START_TENTHS = 1800


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Register this module's hook implementations (rasa-sdk calls this once per process)."""
    manager.register(sys.modules[__name__])


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    """Require the shared secret on every call to this worker's app; mask its log lines."""
    from actions import log_redaction
    from actions.endpoint_auth import require_token
    from actions.settings import Settings

    log_redaction.install()
    settings = Settings()
    require_token(app, settings.action_server_token.get_secret_value())
    check_redis(settings, os.environ)
    if os.environ.get("CS_WARM_UP", "true").lower() != "false":
        app.before_server_start(_warm_up)
        # Sanic stops every worker unless all report started within 30 s; loading the models
        # takes ~20 s alone, more with two workers on a busy two-core machine.
        for waiting in (WorkerManager, WorkerProcess):
            waiting.THRESHOLD = max(waiting.THRESHOLD, WORKER_START_TENTHS)


def check_redis(settings: Settings, environ: Mapping[str, str]) -> None:
    """Check that the Redis of ``settings`` persists (production exits naming the setting, the demo warns).

    Only in Sanic's primary process, which builds the app before any worker starts: a refusal
    there stops the server at once and the demo's warning is logged once, not once per
    worker (each worker builds the app again, with ``SANIC_WORKER_NAME`` set).
    """
    from redis import Redis

    from actions.errors import ConfigError
    from actions.redis_persistence import (
        PersistencePolicy,
        check_client_options,
        check_redis_at_start,
        redis_address,
    )

    if environ.get("SANIC_WORKER_NAME"):
        return
    try:
        policy = PersistencePolicy.from_environment(settings.cs_env, environ)
        with Redis.from_url(settings.redis_url, **check_client_options()) as redis:
            check_redis_at_start(redis, redis_address(settings.redis_url), policy)
    except ConfigError as refused:
        raise SystemExit(f"refusing to start: {refused}") from refused


async def _warm_up(app: Sanic) -> None:
    """Load the models before the worker accepts its first call, so no customer's turn pays for it.

    Before the server starts, so that the worker takes no connection (the others do)
    until its models are in.
    """
    from actions.services import get_services

    get_services().warm_up()
