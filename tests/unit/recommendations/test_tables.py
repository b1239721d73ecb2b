"""Bought-together tables and the offline build that the seed calls."""

from __future__ import annotations

import json
from datetime import timedelta

from redis import Redis

from actions.keys import CUSTOMER_INTELLIGENCE_TTL_S, Keys
from actions.recommendations.tables import bought_together, parse_popular, parse_together, write_tables
from actions.segments.best_sellers import best_sellers
from jobs.intelligence import build_customer_intelligence
from tests.unit.segments.tiny_store import NOW, clustered_store, load_records, order

KEYS = Keys("t")


def test_pairs_count_customers_not_orders_and_need_two_of_them() -> None:
    day = timedelta(days=1)
    orders = [order(f"1{n}", "WHALE", [("E1", 1), ("E2", 1)], NOW - n * day) for n in range(50)]
    orders += [order("20", "A", [("E1", 1), ("B1", 1)], NOW), order("21", "B", [("E1", 1), ("B1", 1)], NOW)]
    orders += [order("30", "C", [("G1", 1), ("G2", 1)], NOW, status="cancelled"),
               order("31", "D", [("G1", 1), ("G2", 1)], NOW)]  # fmt: skip
    together = bought_together(orders)
    # E1-B1: 2 customers of 3 E1 buyers and 2 B1 buyers; E1-E2: only the whale.
    assert together == {
        "B1": [("E1", round(2 / (3 * 2) ** 0.5, 4))],
        "E1": [("B1", round(2 / (3 * 2) ** 0.5, 4))],
    }


def test_best_sellers_rank_by_buyers_so_one_heavy_customer_does_not_decide() -> None:
    orders = [order(f"1{n}", "WHALE", [("E3", 5)], NOW) for n in range(40)]
    orders += [order(f"2{n}", f"C{n}", [("B1", 1)], NOW) for n in range(3)]
    orders += [order("30", "C9", [("G1", 1)], NOW, status="returned")]
    assert best_sellers(orders) == ["B1", "E3"]
    assert best_sellers(orders, customers={"WHALE"}) == ["E3"]


def test_tables_round_trip_through_redis(redis_client: Redis) -> None:
    together = {"E1": [("B1", 0.8), ("E2", 0.5)]}
    version = write_tables(redis_client, KEYS, together, ["E2", "E1"])
    assert redis_client.hget(KEYS.recommendation_meta, "version").decode() == version
    assert parse_together(redis_client.hgetall(KEYS.bought_together)) == together
    assert parse_popular(redis_client.hget(KEYS.recommendation_meta, "popular")) == ["E2", "E1"]
    assert 0 < redis_client.ttl(KEYS.bought_together) <= CUSTOMER_INTELLIGENCE_TTL_S
    assert write_tables(redis_client, KEYS, {}, []) != version
    assert not redis_client.exists(KEYS.bought_together)


def test_the_offline_build_stores_segments_profiles_and_tables_with_timings(redis_client: Redis) -> None:
    load_records(redis_client, KEYS, clustered_store())
    report = build_customer_intelligence(redis_client, KEYS, now=NOW, k_range=(2, 4))
    assert set(report.seconds) == {"read store", "segmentation", "recommendation tables"}
    assert (
        redis_client.exists(
            KEYS.segment_model, KEYS.profile("E00"), KEYS.profile("N11"), KEYS.bought_together
        )
        == 4
    )
    popular = json.loads(redis_client.hget(KEYS.recommendation_meta, "popular"))
    assert popular[0] == "E2"
    lines = "\n".join(report.lines())
    assert "chosen k =" in lines and "customer intelligence built in" in lines
