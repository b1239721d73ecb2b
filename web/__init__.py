"""The web app: the demo store with the chat widget, the widget bundle, the agent and marketer consoles.

``create_app`` (``web.app``) builds one Starlette app from ``WebSettings``; its
dependencies (Redis, Rasa's HTTP API, the store classes, templates) live in one
``WebServices`` container (``web.services``). ``python -m web`` serves it.
"""

from web.errors import WebSetupError

__all__ = ["WebSetupError"]
