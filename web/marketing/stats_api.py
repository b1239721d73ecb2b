"""JSON endpoints of the marketer dashboard; each takes ``from`` and ``to`` (see ``timerange``)."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from web.context import context_of
from web.marketing.offer_stats import offer_stats
from web.marketing.responses import json_response
from web.marketing.segments_view import segments_overview
from web.marketing.support_stats import csat_stats, handoff_stats
from web.marketing.timerange import parse_range


async def offers(request: Request) -> Response:
    """GET: exposures, clicks, acceptances and acceptance rate per rule and variant, per bucket."""
    context = context_of(request)
    period = parse_range(request.query_params, datetime.now(UTC))
    return json_response(await offer_stats(context.redis, context.keys, period))


async def segments(request: Request) -> Response:
    """GET: the segments of the latest segmentation run with their sizes."""
    context = context_of(request)
    overview, _ = await segments_overview(context.redis, context.keys)
    return json_response(overview)


async def handoffs(request: Request) -> Response:
    """GET: handoffs by reason per conversation started."""
    context = context_of(request)
    period = parse_range(request.query_params, datetime.now(UTC))
    return json_response(await handoff_stats(context.redis, context.keys, period))


async def csat(request: Request) -> Response:
    """GET: the CSAT distribution and the average score per bucket."""
    context = context_of(request)
    period = parse_range(request.query_params, datetime.now(UTC))
    return json_response(await csat_stats(context.redis, context.keys, period))
