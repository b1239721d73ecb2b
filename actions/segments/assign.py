"""Assigns one customer (e.g. one who signed up after the last run) to the nearest segment."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from redis.asyncio import Redis

from actions.errors import StoreDataError
from actions.keys import Keys
from actions.redis_edge import members, store_call
from actions.segments.features import customer_features, utc_naive
from actions.segments.models import CustomerProfile, Segment
from actions.segments.storage import load_model, save_profile
from actions.store.models import Customer, Order


async def assign_customer(
    redis: Redis, keys: Keys, customer_id: str, now: datetime | None = None, store: bool = True
) -> CustomerProfile | None:
    """Compute the customer's features from their orders and give them the nearest segment.

    No re-clustering: the stored model's scaling and centroids decide.

    Args:
        redis: Async client.
        keys: Key names.
        customer_id: The store's customer id.
        now: Reference time for recency and tenure; default: the current UTC time.
        store: Whether to save the profile (``cs:profile:{customer_id}``).

    Returns:
        The profile, or None when the store has no such customer.

    Raises:
        StoreDataError: Segmentation never ran, or stored data is malformed.
        StoreUnavailable: Redis did not answer.

    """
    model = await load_model(redis, keys)
    if model is None:
        raise StoreDataError("no segment model: run `python -m jobs.segments run` first")
    with store_call(f"read customer {customer_id}", with_cause=True):
        raw_customer = await redis.get(keys.customer(customer_id))
        if raw_customer is None:
            return None
        order_ids = await redis.zrange(keys.customer_orders(customer_id), 0, -1)
        order_keys = [keys.order(order_id) for order_id in members(order_ids)]
        raw_orders = await redis.mget(order_keys) if order_keys else []
    try:
        customer = Customer.model_validate_json(raw_customer)
        orders = [Order.model_validate_json(raw) for raw in raw_orders if raw is not None]
    except ValidationError as error:
        raise StoreDataError(f"customer {customer_id} or one of their orders is malformed") from error
    moment = utc_naive(now or datetime.now(UTC))
    features = customer_features(customer, orders, moment)
    segment_id = model.assign(features)
    with store_call(f"read segment {segment_id}", with_cause=True):
        raw_segment = await redis.get(keys.segment(segment_id))
    if raw_segment is None:
        raise StoreDataError(f"{keys.segment(segment_id)} is missing: re-run the segmentation")
    try:
        segment = Segment.model_validate_json(raw_segment)
    except ValidationError as error:
        raise StoreDataError(f"{keys.segment(segment_id)} is malformed") from error
    profile = CustomerProfile(
        customer_id=customer.id,
        segment_id=segment_id,
        segment_label=segment.label,
        features=features,
        top_categories=features.top_categories(),
        purchased_product_ids=sorted(
            {item.product_id for order in orders if order.status != "cancelled" for item in order.items}
        ),
        computed_at=moment,
        model_version=model.version,
    )
    if store:
        await save_profile(redis, keys, profile)
    return profile
