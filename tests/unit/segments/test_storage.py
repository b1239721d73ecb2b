"""Profiles, segments and the model in a real Redis; runs and assignment end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.errors import StoreDataError
from actions.keys import CUSTOMER_INTELLIGENCE_TTL_S, Keys
from actions.segments.assign import assign_customer
from actions.segments.storage import load_model, load_profile, load_segments, save_profile
from jobs.segmentation import run_segmentation
from jobs.segments import main
from tests.unit.segments.tiny_store import NOW, clustered_store, customer, load_records, order

KEYS = Keys("t")


@pytest.fixture
async def aredis(redis_client: Redis, redis_url: str) -> AsyncIterator[AsyncRedis]:
    client = AsyncRedis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_a_run_stores_profiles_segments_and_the_model(redis_client: Redis, aredis: AsyncRedis) -> None:
    load_records(redis_client, KEYS, clustered_store())
    report = run_segmentation(redis_client, KEYS, now=NOW, k_range=(3, 3))
    assert report.profiles == 36 and report.model.k == 3
    assert any("chosen k = 3" in line for line in report.lines())

    profile = await load_profile(aredis, KEYS, "E03")
    assert profile is not None
    assert profile.customer_id == "E03" and profile.model_version == report.model.version
    assert profile.top_categories == ["Electronics"]
    assert 0 < redis_client.ttl(KEYS.profile("E03")) <= CUSTOMER_INTELLIGENCE_TTL_S

    model = await load_model(aredis, KEYS)
    assert model == report.model
    segments = await load_segments(aredis, KEYS, model)
    assert [s.id for s in segments] == [0, 1, 2]
    assert sum(s.size for s in segments) == 36
    assert segments[profile.segment_id].label == profile.segment_label
    assert redis_client.hget(KEYS.segments_meta, "version").decode() == model.version


async def test_a_missing_profile_is_none_and_a_saved_one_round_trips(
    redis_client: Redis, aredis: AsyncRedis
) -> None:
    assert await load_profile(aredis, KEYS, "nobody") is None
    load_records(redis_client, KEYS, clustered_store())
    run_segmentation(redis_client, KEYS, now=NOW, k_range=(3, 3))
    profile = await load_profile(aredis, KEYS, "B01")
    assert profile is not None
    moved = profile.model_copy(update={"customer_id": "B99"})
    await save_profile(aredis, KEYS, moved)
    assert await load_profile(aredis, KEYS, "B99") == moved


async def test_a_malformed_profile_is_a_data_error(redis_client: Redis, aredis: AsyncRedis) -> None:
    redis_client.set(KEYS.profile("C1"), b'{"customer_id": "C1"}')
    with pytest.raises(StoreDataError):
        await load_profile(aredis, KEYS, "C1")


def test_a_run_with_fewer_segments_removes_the_extra_ones(redis_client: Redis) -> None:
    load_records(redis_client, KEYS, clustered_store())
    run_segmentation(redis_client, KEYS, now=NOW, k_range=(4, 4))
    assert redis_client.exists(KEYS.segment(3))
    run_segmentation(redis_client, KEYS, now=NOW, k_range=(3, 3))
    assert not redis_client.exists(KEYS.segment(3))
    assert redis_client.exists(KEYS.segment(2))


async def test_a_customer_who_joined_after_the_run_is_assigned_without_re_clustering(
    redis_client: Redis, aredis: AsyncRedis
) -> None:
    records = clustered_store()
    load_records(redis_client, KEYS, records)
    report = run_segmentation(redis_client, KEYS, now=NOW, k_range=(3, 3))
    model_before = redis_client.get(KEYS.segment_model)
    electronics = (await load_profile(aredis, KEYS, "E00")).segment_id  # type: ignore[union-attr]

    newcomer = customer("X1", date(2023, 2, 1))
    orders = [
        order(str(9000 + j), "X1", [("E1", 1), ("E4", 1)], NOW - timedelta(days=2 + 5 * j)) for j in range(9)
    ]
    from actions.segments.store_snapshot import StoreRecords

    load_records(redis_client, KEYS, StoreRecords([newcomer], orders, records.products))
    profile = await assign_customer(aredis, KEYS, "X1", now=NOW)
    assert profile is not None
    assert profile.segment_id == electronics
    assert profile.model_version == report.model.version
    assert profile.purchased_product_ids == ["E1", "E4"]
    assert await load_profile(aredis, KEYS, "X1") == profile
    assert redis_client.get(KEYS.segment_model) == model_before


async def test_assigning_an_unknown_customer_gives_none_and_without_a_model_an_error(
    redis_client: Redis, aredis: AsyncRedis
) -> None:
    with pytest.raises(StoreDataError, match="segments run"):
        await assign_customer(aredis, KEYS, "E00", now=NOW)
    load_records(redis_client, KEYS, clustered_store())
    run_segmentation(redis_client, KEYS, now=NOW, k_range=(3, 3))
    assert await assign_customer(aredis, KEYS, "nobody", now=NOW) is None


def test_the_command_runs_and_assigns(
    redis_client: Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CS_KEY_PREFIX", KEYS.prefix)
    load_records(redis_client, KEYS, clustered_store())
    assert main(["run", "--redis-url", redis_url, "--k-min", "2", "--k-max", "4"]) == 0
    out = capsys.readouterr().out
    assert "silhouette by k: k=2:" in out and "k=4:" in out and "chosen k =" in out
    assert "never bought" in out
    assert main(["assign", "N01", "--redis-url", redis_url]) == 0
    assert "customer N01: segment" in capsys.readouterr().out
    assert main(["assign", "nobody", "--redis-url", redis_url]) == 1
