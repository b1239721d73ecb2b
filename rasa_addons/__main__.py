"""``python -m rasa_addons <rasa arguments>``: the ``rasa`` CLI with our additions.

The HTTP API's token is read from ``RASA_AUTH_TOKEN`` rather than the command line,
where ``ps`` would show it to every user of the machine. With ``CS_ENV=production``
a demo or short secret stops the start, naming the setting (actions/deployment.py), and
so does a Redis that keeps nothing on disk (actions/redis_persistence.py). ``run`` also
answers ``/healthz``, ``/readyz`` and ``/metrics`` (rasa_addons/operations.py, metrics.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping

import redis
from rasa.__main__ import main
from rasa.core.constants import DEFAULT_SERVER_PORT

from actions import log_redaction
from actions.deployment import ProductionRefused, check_production_secret
from actions.errors import ConfigError
from actions.identity.tokens import IdentityConfigError
from actions.observability import port_from_argv, prepare_metrics_directory
from actions.redis_persistence import PersistencePolicy, check_client_options, check_redis_at_start
from rasa_addons import (
    action_connections,
    action_failures,
    action_validation,
    customer_identity,
    debug_copies,
    domain_digest,
    event_types,
    message_admission,
    message_failures,
    message_limits,
    metrics,
    operations,
    rule_matching,
    slot_copies,
)


def with_token_from_environment(argv: list[str]) -> list[str]:
    """``argv`` with ``--auth-token`` from ``RASA_AUTH_TOKEN`` for ``run`` (unless already given)."""
    token = os.environ.get("RASA_AUTH_TOKEN")
    if not token or len(argv) < 2 or argv[1] != "run" or "--auth-token" in argv:
        return argv
    return [*argv, "--auth-token", token]


# The secrets the Rasa server holds; CS_IDENTITY_PREVIOUS_SECRET only during a key rotation.
PRODUCTION_SECRETS = ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN", "CS_IDENTITY_SECRET")


def refuse_demo_secrets_in_production() -> None:
    """Exit naming the setting when production would run with a demo or short secret."""
    if os.environ.get("CS_ENV") != "production":
        return
    optional = ("CS_IDENTITY_PREVIOUS_SECRET",) if os.environ.get("CS_IDENTITY_PREVIOUS_SECRET") else ()
    try:
        for name in (*PRODUCTION_SECRETS, *optional):
            check_production_secret(name, os.environ.get(name, ""))
    except ProductionRefused as refused:
        sys.exit(f"refusing to start: {refused}")


def check_redis_persistence(argv: list[str], environ: Mapping[str, str]) -> None:
    """For ``run``: check the Redis of bot/endpoints.yml keeps data; exit naming the setting if refused.

    The stores' Redis comes from ``REDIS_HOST``/``REDIS_PORT``/``REDIS_DB``/``REDIS_PASSWORD``,
    as bot/endpoints.yml reads it; without ``REDIS_HOST`` there is nothing to check. The demo
    logs a warning; a Redis that does not answer is logged and Rasa starts as before.
    """
    host = environ.get("REDIS_HOST")
    if len(argv) < 2 or argv[1] != "run" or not host:
        return
    try:
        policy = PersistencePolicy.from_environment(environ.get("CS_ENV", "demo"), environ)
        port, db = _number("REDIS_PORT", environ, 6379), _number("REDIS_DB", environ, 0)
        client = redis.Redis(
            host=host,
            port=port,
            db=db,
            password=environ.get("REDIS_PASSWORD") or None,
            **check_client_options(),
        )
        try:
            check_redis_at_start(client, f"{host}:{port}/{db}", policy)
        finally:
            client.close()
    except ConfigError as refused:
        sys.exit(f"refusing to start: {refused}")


def _number(name: str, environ: Mapping[str, str], default: int) -> int:
    raw = environ.get(name) or str(default)
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a number, not {raw!r}")
    return int(raw)


def prepare_metrics(argv: list[str], environ: MutableMapping[str, str]) -> None:
    """For ``run``: the metrics directory the Sanic workers share, chosen before prometheus_client loads.

    Keyed by the port of the command line, so two Rasa servers on one machine keep apart.
    """
    if len(argv) >= 2 and argv[1] == "run":
        prepare_metrics_directory("rasa", port_from_argv(argv, DEFAULT_SERVER_PORT), environ)


def install_customer_identity() -> None:
    """Check customer tokens on arrival; exit naming the variable if the key ring is malformed."""
    try:
        customer_identity.install(os.environ)
    except IdentityConfigError as error:
        sys.exit(f"refusing to start: {error}")


def install_message_admission() -> None:
    """Limit the messages in progress per worker; exit naming the variable if it is malformed."""
    try:
        message_admission.install(message_admission.limit_from_environment(os.environ))
    except ValueError as error:
        sys.exit(f"refusing to start: {error}")


if __name__ == "__main__":
    # First: nothing may import prometheus_client before the directory is chosen (rasa_addons/metrics.py).
    prepare_metrics(sys.argv, os.environ)
    refuse_demo_secrets_in_production()
    log_redaction.install()
    # Before Rasa configures logging: its warning reaches stderr through logging's last resort.
    check_redis_persistence(sys.argv, os.environ)
    action_validation.install()
    action_connections.install()
    # After the pooled connections: a call the action server answers 449 goes out again through them.
    domain_digest.install()
    rule_matching.install()
    debug_copies.install()
    event_types.install()
    slot_copies.install()
    action_failures.install()
    # Around the lock and the tracker store, which a down Redis makes fail before any action runs.
    message_failures.install()
    # Outside the turn's action budget, inside the limits: a refused message never waits.
    install_message_admission()
    message_limits.install()
    # After the limits, so it runs first: no token reaches even a refused message's logs.
    install_customer_identity()
    # Last, so outermost: it times every message, refused ones too.
    metrics.install()
    operations.install()
    sys.argv = with_token_from_environment(sys.argv)
    main()
