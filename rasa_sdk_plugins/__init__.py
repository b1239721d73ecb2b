"""rasa-sdk's plugin hook (it imports a top-level ``rasa_sdk_plugins``): our additions to its Sanic app.

Every action-server worker builds its app through rasa-sdk, which calls
``attach_sanic_app_extensions``; here that puts the shared-secret check in front of
every action call (actions/endpoint_auth.py) and masks personal data in its logs
(actions/log_redaction.py).
"""

from __future__ import annotations

import sys

import pluggy
from sanic import Sanic

hookimpl = pluggy.HookimplMarker("rasa_sdk")


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
    require_token(app, Settings().action_server_token.get_secret_value())
