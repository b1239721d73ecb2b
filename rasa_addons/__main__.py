"""``python -m rasa_addons <rasa arguments>``: the ``rasa`` CLI with our additions.

The HTTP API's token is read from ``RASA_AUTH_TOKEN`` rather than the command line,
where ``ps`` would show it to every user of the machine. With ``CS_ENV=production``
a demo or short secret stops the start, naming the setting (actions/deployment.py).
"""

from __future__ import annotations

import os
import sys

from rasa.__main__ import main

from actions import log_redaction
from actions.deployment import ProductionRefused, check_production_secret
from actions.identity.tokens import IdentityConfigError
from rasa_addons import action_failures, action_validation, customer_identity, message_limits


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


def install_customer_identity() -> None:
    """Check customer tokens on arrival; exit naming the variable if the key ring is malformed."""
    try:
        customer_identity.install(os.environ)
    except IdentityConfigError as error:
        sys.exit(f"refusing to start: {error}")


if __name__ == "__main__":
    refuse_demo_secrets_in_production()
    log_redaction.install()
    action_validation.install()
    action_failures.install()
    message_limits.install()
    # After the limits, so it runs first: no token reaches even a refused message's logs.
    install_customer_identity()
    sys.argv = with_token_from_environment(sys.argv)
    main()
