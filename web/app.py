"""Starlette application factory: the demo store with the widget, and the two consoles."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from actions.deployment import ProductionRefused
from actions.handoff.board import WaitingBoard
from actions.redis_persistence import PersistencePolicy, check_redis_at_start_async, redis_address
from web.accounts.demo import demo_accounts_present
from web.accounts.middleware import AuthMiddleware
from web.accounts.routes import account_routes
from web.agent.routes import agent_routes
from web.agent.sweeper import HandoffSweeper
from web.agent.tools_routes import agent_tools_routes
from web.demo_store import demo_store_routes
from web.errors import WebSetupError
from web.marketing.routes import marketing_routes
from web.metrics import RequestMetricsMiddleware
from web.operations import operations_routes
from web.pages import security_headers
from web.privacy import privacy_routes
from web.security import BodyLimitMiddleware, SecurityHeadersMiddleware
from web.services import WebServices
from web.settings import WebSettings
from web.support import support_routes
from web.waiting import waiting_routes

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
# esbuild's outputs (web/build.mjs); the widget is the one a store's page loads.
BUNDLES = ("widget.js", "agent.js", "marketing.js", "team.js")


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


def create_app(settings: WebSettings, services: WebServices | None = None) -> Starlette:
    """Build the web app.

    At startup the app also checks that its Redis keeps data on disk
    (actions/redis_persistence.py): production refuses a Redis without persistence
    unless ``REDIS_ALLOW_NO_PERSISTENCE=true``, and an ``allkeys-*`` eviction policy;
    the demo logs a warning.

    Args:
        settings: Runtime settings; nothing else is read from the environment but
            ``REDIS_ALLOW_NO_PERSISTENCE``, at startup.
        services: The app's dependencies, built from these same settings; default: built
            here. Tests pass their own (their Redis, a stand-in for Rasa). The app opens
            them at startup and closes them at shutdown.

    Raises:
        WebSetupError: If the front-end bundles have not been built, or ``services`` were
            built from other settings.

    """
    build_dir = find_bundles(settings.web_build_dir)
    if services is not None and services.settings is not settings:
        raise WebSetupError("create_app: the services were built from other settings than the app's")
    container = services or WebServices(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with container:
            # Not on WebSettings: every process reads this override the same way at its start.
            policy = PersistencePolicy.from_environment(settings.cs_env, os.environ)
            await check_redis_at_start_async(container.redis, redis_address(settings.redis_url), policy)
            if settings.cs_env == "production":
                await _refuse_demo_accounts(container)
            # Nobody waits forever: customers who left go to follow-up, stale handoffs close.
            sweeping = asyncio.create_task(HandoffSweeper(container).run_forever(), name="handoff-sweeper")
            try:
                yield
            finally:
                sweeping.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeping

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
        # /healthz, /readyz, /metrics (web/operations.py).
        *operations_routes(),
        Route("/widget.js", widget, methods=["GET"]),
        Route("/build/{name:str}", bundle, methods=["GET"]),
        Route("/console", console_home, methods=["GET"]),
        *account_routes(),
        *agent_routes(),
        *agent_tools_routes(),
        *marketing_routes(),
        *support_routes(),
        *privacy_routes(),
        *waiting_routes(settings, WaitingBoard(container.redis, container.keys, container.store)),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    # Outermost first: every request is timed (web/metrics.py); every response (a refusal of
    # the inner ones too) gets the security headers; no body over its cap reaches the CSRF
    # check or an endpoint.
    middleware = [
        Middleware(RequestMetricsMiddleware),
        Middleware(SecurityHeadersMiddleware, headers=security_headers(settings.rasa_public_url)),
        Middleware(BodyLimitMiddleware),
        Middleware(AuthMiddleware, accounts=container.accounts),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    # Routes and pages reach every dependency through it: ``web.services.services_of(request)``.
    app.state.services = container
    return app


async def _refuse_demo_accounts(services: WebServices) -> None:
    """In production, a demo account that still opens with its published password stops the start."""
    present = await demo_accounts_present(services.accounts.users)
    if present:
        raise ProductionRefused(
            f"demo console accounts with their published passwords exist: {', '.join(present)}; "
            "delete them or change their passwords (python -m jobs.accounts)"
        )
