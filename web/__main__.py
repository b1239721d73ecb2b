"""Entry point: ``python -m web`` serves the chat page with uvicorn."""

import logging
import re
import sys

import uvicorn

from actions import log_redaction
from actions.log_context import ConversationScopeMiddleware
from web.app import create_app
from web.errors import WebSetupError
from web.settings import WebSettings

logger = logging.getLogger(__name__)

# The agent console's routes of one conversation (web/agent/routes.py): their lines carry its id.
CONSOLE_CONVERSATION_PATH = re.compile(r"/api/agent/conversations/(?P<conversation_id>[^/]+)")


def main() -> int:
    """Read settings from the environment and serve the app until stopped.

    Returns:
        The process exit code.

    """
    # Logging is configured only here so importing the package stays silent; LOG_FORMAT=json
    # (the production default) turns every line, uvicorn's too, into JSON.
    log_redaction.install()
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs each request's URL at INFO, and Rasa's HTTP API takes its token in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = WebSettings()
    try:
        app = create_app(settings)
    except WebSetupError as exc:
        logger.error("%s", exc)
        return 1
    logger.info(
        "web app on http://%s:%d/ (Rasa socket.io at %s)",
        settings.web_host,
        settings.web_port,
        settings.rasa_public_url,
    )
    scoped = ConversationScopeMiddleware(app, CONSOLE_CONVERSATION_PATH)
    uvicorn.run(scoped, host=settings.web_host, port=settings.web_port, log_config=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
