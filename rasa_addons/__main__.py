"""``python -m rasa_addons <rasa arguments>``: the ``rasa`` CLI with our additions.

The HTTP API's token is read from ``RASA_AUTH_TOKEN`` rather than the command line,
where ``ps`` would show it to every user of the machine. With ``CS_ENV=production``
a demo or short token stops the start, naming the setting (actions/deployment.py).
"""

from __future__ import annotations

import os
import sys

from rasa.__main__ import main

from actions import log_redaction
from actions.deployment import ProductionRefused, check_production_secret
from rasa_addons import action_failures, action_validation, message_limits


def with_token_from_environment(argv: list[str]) -> list[str]:
    """``argv`` with ``--auth-token`` from ``RASA_AUTH_TOKEN`` for ``run`` (unless already given)."""
    token = os.environ.get("RASA_AUTH_TOKEN")
    if not token or len(argv) < 2 or argv[1] != "run" or "--auth-token" in argv:
        return argv
    return [*argv, "--auth-token", token]


def refuse_demo_token_in_production() -> None:
    """Exit naming ``RASA_AUTH_TOKEN`` when production would run with a demo or short token."""
    if os.environ.get("CS_ENV") != "production":
        return
    try:
        check_production_secret("RASA_AUTH_TOKEN", os.environ.get("RASA_AUTH_TOKEN", ""))
    except ProductionRefused as refused:
        sys.exit(f"refusing to start: {refused}")


if __name__ == "__main__":
    refuse_demo_token_in_production()
    log_redaction.install()
    action_validation.install()
    action_failures.install()
    message_limits.install()
    sys.argv = with_token_from_environment(sys.argv)
    main()
