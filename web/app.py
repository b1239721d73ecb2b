"""Starlette application factory: the demo store with the widget, and the two consoles."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import jinja2
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from actions.keys import Keys
from web.accounts.middleware import AuthMiddleware
from web.accounts.routes import account_routes
from web.agent.desk import HandoffDesk
from web.agent.live import BLOCK_MS
from web.agent.rasa_api import RasaApi
from web.agent.routes import agent_routes
from web.context import WebContext
from web.demo_store import demo_store_routes
from web.errors import WebSetupError
from web.marketing.routes import marketing_routes
from web.settings import WebSettings

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
# esbuild's outputs (web/build.mjs); the widget is the one a store's page loads.
BUNDLES = ("widget.js", "agent.js", "marketing.js")

# Headers for our own HTML: the pages never need to be framed or sniffed, and run
# only our own scripts (no inline script, no third-party origin).
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def find_bundles(build_dir: Path) -> Path:
    """Check that ``npm run build`` produced every bundle.

    Raises:
        WebSetupError: If one is missing, with the command that builds it.

    """
    missing = [name for name in BUNDLES if not (build_dir / name).is_file()]
    if missing:
        raise WebSetupError(
            f"front-end bundles missing in {build_dir}: {', '.join(missing)}. "
            "Run `make setup` (or `cd web && npm ci && npm run build`)."
        )
    return build_dir.resolve()


def _make_templates() -> Jinja2Templates:
    # Built by hand so that autoescaping is explicit, not a framework default.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


def create_app(settings: WebSettings) -> Starlette:
    """Build the web app.

    Args:
        settings: Runtime settings; nothing is read from the environment here.

    Raises:
        WebSetupError: If the front-end bundles have not been built.

    """
    build_dir = find_bundles(settings.web_build_dir)
    templates = _make_templates()
    keys = Keys(settings.cs_key_prefix)
    redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)
    # The live stream blocks on XREAD for BLOCK_MS: its own pool, with a longer timeout.
    stream_redis = Redis.from_url(
        settings.redis_url, socket_timeout=BLOCK_MS / 1000 + 5, socket_connect_timeout=2
    )
    rasa = RasaApi(settings.rasa_url, settings.rasa_token.get_secret_value(), settings.rasa_timeout_s)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await rasa.aclose()
        await redis.aclose()
        await stream_redis.aclose()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def script(name: str) -> Response:
        # The widget is loaded by other sites' pages: cached briefly, fetchable cross-origin.
        headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
        return FileResponse(build_dir / name, media_type="text/javascript; charset=utf-8", headers=headers)

    async def widget(request: Request) -> Response:
        return script("widget.js")

    async def bundle(request: Request) -> Response:
        name = request.path_params["name"]
        return script(name) if name in BUNDLES else JSONResponse({"error": "not found"}, status_code=404)

    async def console_home(request: Request) -> Response:
        user = request.state.user
        if user is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse("/marketing" if user.role == "marketer" else "/agent", status_code=303)

    routes = [
        *demo_store_routes(settings),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/widget.js", widget, methods=["GET"]),
        Route("/build/{name:str}", bundle, methods=["GET"]),
        Route("/console", console_home, methods=["GET"]),
        *account_routes(),
        *agent_routes(),
        *marketing_routes(),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(AuthMiddleware)], lifespan=lifespan)
    app.state.context = WebContext(settings=settings, redis=redis, keys=keys)
    app.state.stream_redis = stream_redis
    app.state.templates = templates
    app.state.rasa = rasa
    app.state.desk = HandoffDesk(redis, keys)
    app.state.page_headers = PAGE_HEADERS
    return app
