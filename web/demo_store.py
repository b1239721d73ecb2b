"""The demo store's product page, with the widget added by one script tag.

A real store's own website renders the script tag and signs its signed-in customer's
token; this page plays that part for the demo: ``/?customer=C10042`` signs that demo
customer in, ``/`` is an anonymous visitor. Off with ``DEMO_STORE=false``.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from actions.identity.tokens import sign_customer_token
from actions.redis_edge import store_call
from actions.store.models import Customer
from web.services import services_of
from web.settings import WebSettings

logger = logging.getLogger(__name__)

# A demo token lasts a working day; a real store signs per page view.
DEMO_TOKEN_TTL_S = 8 * 3600


async def _customer(request: Request, customer_id: str) -> Customer | None:
    services = services_of(request)
    with store_call("read a demo customer"):
        raw = await services.redis.get(services.keys.customer(customer_id))
    if raw is None:
        return None
    try:
        return Customer.model_validate_json(raw)
    except ValidationError:
        logger.exception("demo store: customer %s is malformed in Redis", customer_id)
        return None


def _cart_value(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and 0 <= value <= 1_000_000 else None


def demo_store_routes(settings: WebSettings) -> list[BaseRoute]:
    """``/``: the demo store's page (only when ``settings.demo_store``)."""

    async def store_page(request: Request) -> Response:
        customer_id = request.query_params.get("customer", "").strip()
        customer = await _customer(request, customer_id) if customer_id else None
        token = (
            sign_customer_token(
                customer.id,
                settings.cs_identity_secret.get_secret_value(),
                DEMO_TOKEN_TTL_S,
                key_id=settings.cs_identity_key_id,
            )
            if customer
            else None
        )
        context = {
            "widget_src": "/widget.js",
            "rasa_url": settings.rasa_public_url,
            "customer_token": token,
            "customer_name": f"{customer.first_name} {customer.last_name}" if customer else None,
            "cart_value": _cart_value(request.query_params.get("cart")),
        }
        return services_of(request).pages.render(request, "store_demo.html", context)

    return [Route("/", store_page, methods=["GET"])] if settings.demo_store else []
