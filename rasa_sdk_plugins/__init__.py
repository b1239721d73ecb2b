"""rasa-sdk's plugin hook (it imports a top-level ``rasa_sdk_plugins``): our additions to its Sanic app.

Every action-server worker builds its app through rasa-sdk, which calls
``attach_sanic_app_extensions``; here that puts the shared-secret check in front of
every action call (actions/endpoint_auth.py), masks personal data in its logs
(actions/log_redaction.py), checks once that Redis keeps its data (actions/redis_persistence.py),
adds ``/healthz``, ``/readyz`` and ``/metrics`` and times every action call (actions/operations.py)
and loads the models before each worker serves.

Sanic's primary process builds the app too, before it starts the workers: there the metrics
directory the workers share is chosen (actions/observability.py), so that the workers, started
afresh, import prometheus_client in multiprocess mode.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping, Sequence
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
# rasa-sdk's port when the command line names none (rasa_sdk.constants.DEFAULT_SERVER_PORT).
DEFAULT_PORT = 5055


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Register this module's hook implementations (rasa-sdk calls this once per process)."""
    manager.register(sys.modules[__name__])


@hookimpl
def attach_sanic_app_extensions(app: Sanic) -> None:
    """Require the shared secret on every call but the operations reads; mask logs; time actions."""
    from rasa_sdk.utils import configure_colored_logging

    from actions import log_context, log_redaction
    from actions.endpoint_auth import require_token
    from actions.operations import add_operations_routes, instrument_executor
    from actions.services import get_services
    from actions.settings import Settings

    log_redaction.install()
    settings = Settings()
    require_token(app, settings.action_server_token.get_secret_value())
    log_context.bind_conversation_id(app)  # after the token check: an unauthorised body is never read
    if os.environ.get("SANIC_WORKER_NAME"):
        # rasa-sdk sets up logging in its primary process only; a worker's INFO lines were lost.
        configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    check_redis(settings, os.environ)
    prepare_metrics(os.environ, sys.argv)
    instrument_executor()
    warm_up = os.environ.get("CS_WARM_UP", "true").lower() != "false"
    add_operations_routes(app, get_services, warm_up)
    if warm_up:
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


def prepare_metrics(environ: MutableMapping[str, str], argv: Sequence[str]) -> None:
    """In Sanic's primary process only: the metrics directory the workers will share, fresh.

    Keyed by the port of the command line, so two action servers on one machine keep apart.
    """
    from actions.observability import port_from_argv, prepare_metrics_directory

    if environ.get("SANIC_WORKER_NAME"):
        return
    prepare_metrics_directory("action-server", port_from_argv(argv, DEFAULT_PORT), environ)


async def _warm_up(app: Sanic) -> None:
    """Load the models before the worker accepts its first call, so no customer's turn pays for it.

    Before the server starts, so that the worker takes no connection (the others do)
    until its models are in.
    """
    from actions.services import get_services

    get_services().warm_up()
