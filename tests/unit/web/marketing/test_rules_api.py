from __future__ import annotations

import json
from typing import Any, cast

import httpx
from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.store import RuleStore

API = "/api/marketing"


def rule(rule_id: str = "winter-sale", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": rule_id,
        "name": "Winter sale",
        "kind": "upsell",
        "priority": 10,
        "conditions": {"segments": ["high-value"], "cart_value_min": 35},
        "variants": [{"id": "ten", "message": "10% off with WINTER10", "discount_code": "WINTER10"}],
        "caps": {"per_customer": {"max_exposures": 1, "window_days": 30}},
        "control_share": 0.1,
    }
    data.update(fields)
    return data


async def audit_log(redis: Redis, keys: Keys) -> list[dict[str, str]]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(keys.audit))
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


async def test_create_edit_disable_and_roll_back_through_the_api(
    client: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    empty = await client.get(f"{API}/rules")
    assert empty.status_code == 200 and empty.json() == {"version": 0, "rules": []}
    assert empty.headers["cache-control"] == "no-store"

    created = await client.post(f"{API}/rules", json={"rule": rule(), "expected_version": 0})
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    assert created.json()["rule"]["conditions"]["cart_value_min"] == 35

    edited = await client.put(
        f"{API}/rules/winter-sale",
        json={"rule": rule(name="Winter sale, week 2", priority=20), "expected_version": 1},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2

    disabled = await client.post(f"{API}/rules/winter-sale/disable", json={"expected_version": 2})
    assert disabled.status_code == 200 and disabled.json()["rule"]["enabled"] is False

    listing = (await client.get(f"{API}/rules")).json()
    assert listing["version"] == 3
    [saved] = listing["rules"]
    assert (saved["name"], saved["priority"], saved["enabled"]) == ("Winter sale, week 2", 20, False)

    one = (await client.get(f"{API}/rules/winter-sale")).json()
    assert one["rule"] == saved
    assert one["yaml"].startswith("id: winter-sale\n") and "enabled: false" in one["yaml"]

    versions = (await client.get(f"{API}/versions")).json()
    assert versions["current"] == 3
    assert [(v["version"], v["action"], v["author"]) for v in versions["versions"]] == [
        (3, "disable", "mia"),
        (2, "update", "mia"),
        (1, "create", "mia"),
    ]
    assert versions["versions"][1]["changes"]["changed"] == {"winter-sale": ["name", "priority"]}

    rolled = await client.post(f"{API}/versions/1/rollback", json={"expected_version": 3})
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["version"] == 4 and rolled.json()["rolled_back_to"] == 1
    assert rolled.json()["changes"]["changed"] == {"winter-sale": ["name", "enabled", "priority"]}
    version, rules = await RuleStore(redis, keys).current_rules()
    assert version == 4
    assert (rules.rules[0].name, rules.rules[0].enabled, rules.rules[0].priority) == ("Winter sale", True, 10)

    enabled_again = await client.post(f"{API}/rules/winter-sale/disable", json={})
    assert enabled_again.json()["version"] == 5  # no expected_version: applied to whatever is current

    log = await audit_log(redis, keys)
    assert [(e["actor"], e["action"], e["target"]) for e in log] == [
        ("mia", "offer_rule.save", "winter-sale"),
        ("mia", "offer_rule.save", "winter-sale"),
        ("mia", "offer_rule.disable", "winter-sale"),
        ("mia", "offer_rule.rollback", "offer_rules"),
        ("mia", "offer_rule.disable", "winter-sale"),
    ]
    details = [json.loads(e["details"]) for e in log]
    assert (details[0]["operation"], details[0]["version"], details[0]["changes"]["added"]) == (
        "create",
        1,
        ["winter-sale"],
    )
    assert details[1]["operation"] == "update"
    assert (details[3]["rolled_back_to"], details[3]["version"], details[3]["parent"]) == (1, 4, 3)


async def test_a_bad_rule_is_refused_with_the_field_path_and_nothing_is_saved(
    client: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await client.post(f"{API}/rules", json={"rule": rule("first")})
    bad = rule(
        "second",
        variants=[{"id": "a", "message": "fine"}, {"id": "b", "message": ""}],
        conditions={"sentiment_min": 0.5, "sentiment_max": 0.1},
    )
    response = await client.post(f"{API}/rules", json={"rule": bad, "expected_version": 1})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "the rule is not valid"
    assert {
        "path": "rules[1].variants[1].message",
        "field": "variants[1].message",
        "message": "must not be empty",
    } in (body["problems"])
    assert await RuleStore(redis, keys).current_version() == 1
    assert await redis.xlen(keys.audit) == 1  # only the first, good save

    ranges = await client.post(
        f"{API}/rules", json={"rule": rule("second", conditions={"sentiment_min": 0.5, "sentiment_max": 0.1})}
    )
    assert ranges.json()["problems"] == [
        {
            "path": "rules[1].conditions.sentiment_min",
            "field": "conditions.sentiment_min",
            "message": "must be <= sentiment_max",
        }
    ]

    duplicate = await client.post(f"{API}/rules", json={"rule": rule("first")})
    assert duplicate.status_code == 422
    assert duplicate.json()["problems"][0]["path"] == "rules[1].id"

    renamed = await client.put(f"{API}/rules/first", json={"rule": rule("other-id")})
    assert renamed.status_code == 422
    assert renamed.json()["problems"][0]["path"] == "rules[0].id"

    not_yaml = await client.post(f"{API}/rules", json={"rule_yaml": "id: [unclosed"})
    assert not_yaml.status_code == 422
    [problem] = not_yaml.json()["problems"]
    assert problem["path"] == "yaml" and "not valid YAML" in problem["message"]

    # Aliases could expand a few lines into gigabytes ("billion laughs"): refused, with the line.
    laughs = "id: &a [x, x]\nname: &b [*a, *a]\n"
    aliased = await client.post(f"{API}/rules", json={"rule_yaml": laughs})
    assert aliased.status_code == 422
    [problem] = aliased.json()["problems"]
    assert problem["path"] == "yaml" and "line 2" in problem["message"] and "aliases" in problem["message"]

    as_yaml = await client.post(
        f"{API}/rules",
        json={
            "rule_yaml": "id: from-yaml\nname: By hand\nkind: upsell\nvariants:\n  - id: a\n    message: Hi\n"
        },
    )
    assert as_yaml.status_code == 201, as_yaml.text
    assert await RuleStore(redis, keys).current_version() == 2


async def test_malformed_requests_and_unknown_rules(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{API}/rules", content=b"{not json")).status_code == 400
    both = await client.post(f"{API}/rules", json={"rule": rule(), "rule_yaml": "id: x"})
    assert both.status_code == 400 and "exactly one" in both.json()["error"]
    assert (await client.get(f"{API}/rules/missing")).status_code == 404
    assert (await client.put(f"{API}/rules/missing", json={"rule": rule("missing")})).status_code == 404
    assert (await client.post(f"{API}/rules/missing/enable", json={})).status_code == 404
    assert (await client.post(f"{API}/versions/7/rollback", json={})).status_code == 404
    assert (await client.get(f"{API}/versions?limit=0")).status_code == 400


async def test_a_stale_edit_is_refused_as_a_conflict(
    client: httpx.AsyncClient, redis: Redis, keys: Keys
) -> None:
    await client.post(f"{API}/rules", json={"rule": rule("a")})
    await client.post(f"{API}/rules", json={"rule": rule("b")})
    stale = await client.post(f"{API}/rules/a/disable", json={"expected_version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert await RuleStore(redis, keys).current_version() == 2
    current = await client.post(f"{API}/versions/2/rollback", json={"expected_version": 2})
    assert current.status_code == 400  # rolling back to the version in force changes nothing


async def test_validate_reports_problems_without_saving_and_returns_yaml(client: httpx.AsyncClient) -> None:
    invalid = await client.post(f"{API}/rules/validate", json={"rule": rule(control_share=0.9)})
    assert invalid.status_code == 200
    body = invalid.json()
    assert body["ok"] is False
    assert body["problems"] == [
        {"path": "rules[0].control_share", "field": "control_share", "message": "must be <= 0.5"}
    ]
    assert body["data"]["control_share"] == 0.9 and "control_share: 0.9" in body["yaml"]

    valid = (await client.post(f"{API}/rules/validate", json={"rule": rule()})).json()
    assert valid["ok"] is True and valid["problems"] == []
    assert valid["rule"]["allocation"] == "thompson"  # defaults filled in
    assert "allocation" not in valid["yaml"]  # ...but left out of the text

    from_text = (await client.post(f"{API}/rules/validate", json={"rule_yaml": valid["yaml"]})).json()
    assert from_text["ok"] is True and from_text["data"] == valid["rule"]

    assert (await client.get(f"{API}/versions")).json() == {"current": 0, "versions": []}
