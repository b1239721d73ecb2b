"""Routes of the support lead's view: the page ``/agent/team`` and its JSON ``/api/agent/team/stats``.

Who sees what: the view is for the support team (role ``agent``; ``admin`` passes every
role check). Everyone on it sees the team's figures per day, by reason and priority. The
per-agent rows are a lead's tool: an admin sees every agent's row, an agent only their own,
so that colleagues are not ranked in front of each other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from web.accounts.guards import requires_role
from web.accounts.models import User
from web.marketing.responses import Endpoint, json_errors, json_response
from web.marketing.timerange import parse_range
from web.services import services_of
from web.support.report import support_report

PAGE = "/agent/team"
API = "/api/agent/team/stats"


async def page(request: Request) -> Response:
    """GET /agent/team: the charts and tables; the figures come from the JSON API."""
    return services_of(request).pages.console(request, "agent/team.html")


async def stats(request: Request) -> Response:
    """GET: the team's figures over ``from``..``to`` (see ``web.marketing.timerange``), per day and agent."""
    services = services_of(request)
    period = parse_range(request.query_params, datetime.now(UTC))
    report = await support_report(services.redis, services.keys, period)
    user: User = request.state.user
    if user.role != "admin":
        report.by_agent = [row for row in report.by_agent if row.agent == user.username]
        report.agents_shown = "own"
    return json_response(report)


def _guarded(endpoint: Endpoint) -> Endpoint:
    # The role check runs first, so nobody learns anything (not even a 400) without it.
    return requires_role("agent")(json_errors(endpoint))


def support_routes() -> list[BaseRoute]:
    """Return the page and the JSON endpoint of the support lead's view."""
    return [
        Route(PAGE, _guarded(page), methods=["GET"], name="support_team_page"),
        Route(API, _guarded(stats), methods=["GET"], name="support_team_stats"),
    ]
