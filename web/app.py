"""Starlette application factory for the Brightcart chat page."""

import logging
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from web.errors import WebSetupError
from web.settings import WebSettings

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

# Path of the browser bundle inside node_modules; served as-is, never copied.
SOCKETIO_BUNDLE = Path("socket.io-client") / "dist" / "socket.io.min.js"

# Headers for our own HTML: the page never needs to be framed or sniffed.
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def find_socketio_bundle(node_modules: Path) -> Path:
    """Locate the socket.io-client browser bundle installed by npm.

    Args:
        node_modules: The ``node_modules`` directory to look in.

    Returns:
        The absolute path of ``socket.io.min.js``.

    Raises:
        WebSetupError: If the bundle is missing, i.e. ``npm ci`` was not run.
    """
    bundle = (node_modules / SOCKETIO_BUNDLE).resolve()
    if not bundle.is_file():
        raise WebSetupError(
            f"socket.io client bundle not found at {bundle}. "
            "Run `npm ci` in web/ to install the front-end dependencies "
            "(or point WEB_NODE_MODULES at an installed node_modules)."
        )
    return bundle


def _make_templates() -> Jinja2Templates:
    # Build the environment ourselves so autoescaping is explicit, not an
    # implicit default of the framework.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


def create_app(settings: WebSettings) -> Starlette:
    """Build the chat web app.

    Args:
        settings: Runtime settings; nothing is read from the environment here.

    Returns:
        A ready-to-serve Starlette application.

    Raises:
        WebSetupError: If the socket.io-client bundle has not been installed.
    """
    bundle = find_socketio_bundle(settings.web_node_modules)
    templates = _make_templates()
    # Passed to the page as one JSON data attribute; the template's ``tojson``
    # filter escapes it so no setting value can break out into markup or JS.
    page_config = {"rasaUrl": settings.rasa_public_url}

    async def chat_page(request: Request) -> Response:
        return templates.TemplateResponse(
            request,
            "chat.html",
            {"config": page_config},
            headers=PAGE_HEADERS,
        )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def socketio_client(request: Request) -> Response:
        return FileResponse(bundle, media_type="text/javascript; charset=utf-8")

    routes = [
        Route("/", chat_page, methods=["GET"], name="chat"),
        Route("/healthz", healthz, methods=["GET"], name="healthz"),
        Route(
            "/vendor/socket.io.min.js",
            socketio_client,
            methods=["GET"],
            name="socketio_client",
        ),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    logger.debug("Serving socket.io client from %s", bundle)
    return Starlette(routes=routes)
