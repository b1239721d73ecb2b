"""JSON endpoints of the marketer dashboard; each takes ``from`` and ``to`` (see ``timerange``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pydantic import BaseModel
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import Response

from actions.keys import Keys
from web.marketing.offer_results import offer_results
from web.marketing.offer_stats import offer_stats
from web.marketing.responses import json_response
from web.marketing.segments_view import segments_overview
from web.marketing.support_stats import csat_stats, handoff_stats
from web.marketing.timerange import TimeRange, parse_range
from web.services import services_of

Figures = Callable[[Redis, Keys, TimeRange], Awaitable[BaseModel]]


async def _over_period(request: Request, figures: Figures) -> Response:
    """Answer with ``figures`` over the period the query asks for."""
    services = services_of(request)
    period = parse_range(request.query_params, datetime.now(UTC))
    return json_response(await figures(services.redis, services.keys, period))


async def offers(request: Request) -> Response:
    """GET: exposures, clicks, acceptances and acceptance rate per rule and variant, per bucket."""
    return await _over_period(request, offer_stats)


async def results(request: Request) -> Response:
    """GET: per rule, segment and variant: credible intervals, probability best, allocation, recommendation.

    Cumulative (what the bandit has learnt so far), so it takes no period.
    """
    services = services_of(request)
    return json_response(await offer_results(services.redis, services.keys))


async def segments(request: Request) -> Response:
    """GET: the segments of the latest segmentation run with their sizes."""
    services = services_of(request)
    overview, _ = await segments_overview(services.redis, services.keys)
    return json_response(overview)


async def handoffs(request: Request) -> Response:
    """GET: handoffs by reason per conversation started."""
    return await _over_period(request, handoff_stats)


async def csat(request: Request) -> Response:
    """GET: the CSAT distribution and the average score per bucket."""
    return await _over_period(request, csat_stats)
