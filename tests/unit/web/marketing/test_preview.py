from __future__ import annotations

from typing import Any

import httpx
from redis import Redis as SyncRedis

from actions.keys import Keys
from tests.unit.web.marketing.segment_fixture import write_fixture

API = "/api/marketing"


def draft(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "vip-thanks",
        "name": "Thank-you for regulars",
        "kind": "upsell",
        "variants": [{"id": "a", "message": "Thanks! 10% off: THANKS10"}],
    }
    data.update(fields)
    return data


async def test_preview_applies_segment_value_and_tenure_conditions_to_stored_profiles(
    client: httpx.AsyncClient, sync_redis: SyncRedis, keys: Keys
) -> None:
    write_fixture(sync_redis, keys)
    sync_redis.set(keys.profile("BROKEN"), "{not a profile")
    conditions = {
        # segment 0 by id, segment 1 by a word of its label
        "segments": ["high-value", 0],
        "customer_value_min": 500,
        "tenure_days_max": 400,
        "emotions": ["joy"],
        "cart_value_min": 20,
    }
    response = await client.post(
        f"{API}/preview", json={"rule": draft(conditions=conditions, control_share=0.5)}
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    # Hand count: C1 (segment 0, 600, 100 d), C4 (segment 1, 1200, 30 d), C5 (segment 1, 500, 400 d).
    # C2 spends too little, C3 is too old a customer, C6 spends 499.99, C7/C8 are in segment 2.
    assert (preview["profiles"], preview["reached"], preview["unreadable_profiles"]) == (8, 3, 1)
    assert [(s["id"], s["label"], s["size"], s["matched"], s["reached"]) for s in preview["segments"]] == [
        (0, "rarely uses vouchers", 4, True, 1),
        (1, "frequent, high-value, recently active", 3, True, 2),
        (2, "never bought", 2, False, 0),
    ]
    assert preview["counted"] == ["segments", "customer_value_min", "tenure_days_max"]
    assert preview["not_counted"] == ["emotions", "cart_value_min"]
    assert preview["held_out_estimate"] == 2  # half of 3, rounded to even
    assert preview["window"] == "always"
    assert any("not counted" in note for note in preview["notes"])
    assert preview["segmentation"]["version"] == "run-1"
    # A preview saves nothing.
    assert (await client.get(f"{API}/rules")).json()["version"] == 0


async def test_preview_without_conditions_counts_everyone_and_reports_the_window(
    client: httpx.AsyncClient, sync_redis: SyncRedis, keys: Keys
) -> None:
    write_fixture(sync_redis, keys)
    past = {"start": "2020-01-01", "end": "2020-01-31"}
    preview = (await client.post(f"{API}/preview", json={"rule": draft(conditions=past)})).json()
    assert (preview["reached"], preview["counted"], preview["not_counted"]) == (8, [], [])
    assert all(s["matched"] for s in preview["segments"])
    assert preview["window"] == "ended"


async def test_preview_of_an_invalid_draft_names_the_field_and_works_without_segmentation(
    client: httpx.AsyncClient,
) -> None:
    bad = await client.post(f"{API}/preview", json={"rule": draft(conditions={"tenure_days_min": -1})})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["path"] == "rules[0].conditions.tenure_days_min"
    empty = (await client.post(f"{API}/preview", json={"rule": draft()})).json()
    assert (empty["profiles"], empty["reached"], empty["segments"]) == (0, 0, [])
    assert empty["segmentation"] == {"version": None, "created_at": None, "segments": []}


async def test_a_body_nested_thousands_deep_is_a_clear_400_not_a_crash(client: httpx.AsyncClient) -> None:
    nested = '{"rule": ' + "[" * 50_000 + "]" * 50_000 + "}"
    answer = await client.post(f"{API}/preview", content=nested, headers={"content-type": "application/json"})
    assert answer.status_code == 400 and "nested too deeply" in answer.text
