"""Recommendations over a tiny store in a real Redis, with a bag-of-words encoder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.errors import StoreDataError
from actions.keys import Keys
from actions.knowledge.indexing import index_passages
from actions.knowledge.passages import product_passage
from actions.recommendations.recommender import Recommender
from actions.segments.models import CustomerProfile
from actions.segments.store_snapshot import StoreRecords
from actions.store.models import Product
from jobs.intelligence import build_customer_intelligence
from tests.unit.recommendations.fake_encoder import BagOfWordsEncoder
from tests.unit.segments.tiny_store import NOW, clustered_store, customer, load_records, order

KEYS = Keys("t")


def _store() -> StoreRecords:
    """The clustered store, plus a gardener and three customers who buy shears with a watering can."""
    base = clustered_store()
    customers = list(base.customers)
    orders = list(base.orders)
    customers.append(customer("GARD", date(2024, 1, 1)))
    orders += [order(f"70{j}", "GARD", [("G1", 1)], NOW - timedelta(days=5 + 9 * j)) for j in range(6)]
    for n in range(3):
        customers.append(customer(f"K{n}", date(2025, 1, 1)))
        orders.append(order(f"80{n}", f"K{n}", [("G1", 1), ("G2", 1)], NOW - timedelta(days=30 + n)))
    return StoreRecords(customers, orders, base.products)


def _index(redis: Redis, products: list[Product], encoder: BagOfWordsEncoder) -> None:
    index_passages(redis, KEYS, [product_passage(p, "USD") for p in products], encoder)


@pytest.fixture
def encoder() -> BagOfWordsEncoder:
    return BagOfWordsEncoder()


@pytest.fixture
async def recommender(
    redis_client: Redis, redis_url: str, encoder: BagOfWordsEncoder
) -> AsyncIterator[Recommender]:
    records = _store()
    load_records(redis_client, KEYS, records)
    _index(redis_client, records.products, encoder)
    build_customer_intelligence(redis_client, KEYS, now=NOW, k_range=(3, 3))
    client = AsyncRedis.from_url(redis_url)
    yield Recommender(client, KEYS, encoder)
    await client.aclose()


async def test_bought_and_out_of_stock_products_are_never_suggested(recommender: Recommender) -> None:
    # E00 bought E1, E2 and E4; E3 has no stock.
    results = await recommender.recommend("E00", "earbuds speaker smartwatch webcam", limit=10)
    ids = [r.product_id for r in results]
    assert ids and not {"E1", "E2", "E3", "E4"} & set(ids)
    anonymous = await recommender.recommend(None, "aurion smartwatch", limit=10)
    assert "E3" not in [r.product_id for r in anonymous]


async def test_a_product_of_the_customers_category_ranks_above_the_others(recommender: Recommender) -> None:
    results = await recommender.recommend("GARD")
    assert results[0].product_id == "G2"
    assert results[0].category == "Garden"
    assert results[0].reason == "your_categories"
    assert all(r.score < results[0].score for r in results[1:])


async def test_what_the_customer_asks_for_comes_first(
    recommender: Recommender, encoder: BagOfWordsEncoder
) -> None:
    results = await recommender.recommend(None, "do you have wireless earbuds?")
    assert results[0].product_id == "E1"
    assert results[0].reason == "similar"
    assert (results[0].name, results[0].price, results[0].category, results[0].url) == (
        "Voltra Wireless Earbuds", 99.0, "Electronics", None)  # fmt: skip
    vector = encoder.encode(["do you have wireless earbuds?"])[0]
    calls = encoder.calls
    again = await recommender.recommend(None, "do you have wireless earbuds?", query_vector=vector)
    assert again == results
    assert encoder.calls == calls  # the given vector was used


async def test_products_bought_together_with_the_one_in_focus_are_suggested(recommender: Recommender) -> None:
    results = await recommender.recommend(None, seed_product_ids=["G1"], limit=3)
    assert results[0].product_id == "G2"
    assert results[0].reason == "bought_together"


async def test_a_silent_anonymous_visitor_gets_store_best_sellers(recommender: Recommender) -> None:
    results = await recommender.recommend(None, "hello", limit=3)
    assert results and all(r.reason == "popular" for r in results)
    assert results[0].product_id == "E2"  # bought by the most customers, and in stock


async def test_excluded_products_are_left_out_and_limit_is_kept(recommender: Recommender) -> None:
    results = await recommender.recommend(None, "wireless earbuds", exclude=["E1"], limit=2)
    assert len(results) == 2 and "E1" not in [r.product_id for r in results]


async def test_a_restock_and_a_new_index_are_picked_up_when_versions_change(
    recommender: Recommender, redis_client: Redis, encoder: BagOfWordsEncoder
) -> None:
    assert "E3" not in [r.product_id for r in await recommender.recommend(None, "aurion smartwatch")]
    records = _store()
    restocked = [p.model_copy(update={"stock": 4}) if p.id == "E3" else p for p in records.products]
    load_records(redis_client, KEYS, StoreRecords(records.customers, records.orders, restocked), version="v2")
    first = await recommender.recommend(None, "aurion smartwatch")
    assert first[0].product_id == "E3"

    renamed = [
        p.model_copy(update={"name": "Aurion Pocket Telescope"}) if p.id == "B3" else p for p in restocked
    ]
    _index(redis_client, renamed, encoder)
    telescope = await recommender.recommend(None, "a pocket telescope")
    assert telescope[0].product_id == "B3"


async def test_an_unseeded_store_is_a_data_error(redis_url: str, redis_client: Redis) -> None:
    client = AsyncRedis.from_url(redis_url)
    try:
        with pytest.raises(StoreDataError):
            await Recommender(client, KEYS, None).recommend(None, "anything")
    finally:
        await client.aclose()


async def test_a_profile_from_an_earlier_run_does_not_pick_todays_segment(
    recommender: Recommender, redis_client: Redis
) -> None:
    current = await recommender.recommend("GARD", limit=6)
    assert "popular_in_segment" in {r.reason for r in current}
    profile = CustomerProfile.model_validate_json(redis_client.get(KEYS.profile("GARD")))
    stale = profile.model_copy(update={"model_version": "an-earlier-run"})
    reasons = {r.reason for r in await recommender.recommend("GARD", profile=stale, limit=6)}
    assert "popular_in_segment" not in reasons and "popular" in reasons


async def test_an_anonymous_visitors_words_give_a_provisional_segment(recommender: Recommender) -> None:
    guess = await recommender.provisional("any wireless earbuds?")
    assert guess.segment_id is not None and "electronics" in (guess.label or "")
    assert guess.interest == {"Electronics": 1.0} and guess.cues == ["wireless", "earbuds"]
    assert (await recommender.provisional("hello")).segment_id is None
