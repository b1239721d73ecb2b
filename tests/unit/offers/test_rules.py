from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from actions.errors import ConfigError, OfferRulesInvalid
from actions.offers.demo import DEMO_RULES_FILE
from actions.offers.rules import RuleSet
from actions.offers.validation import dump_rules_yaml, parse_rule_set, read_rules_file, rule_set_from_json
from tests.unit.offers.builders import rule_data

FULL_RULE = rule_data(
    "everything",
    enabled=False,
    priority=7,
    kind="upsell",
    conditions={
        "segments": [2, "high-value"],
        "intents": ["product_question"],
        "topics": ["electronics"],
        "emotions": ["joy", "neutral"],
        "sentiment_min": -0.2,
        "sentiment_max": 1,
        "unhappy": False,
        "customer_value_min": 100,
        "customer_value_max": 5000.5,
        "tenure_days_min": 0,
        "tenure_days_max": 400,
        "cart_value_min": 10,
        "cart_value_max": 200,
        "order_value_min": 0,
        "order_value_max": 900,
        "channels": ["socketio", "rest"],
        "start": date(2026, 11, 1),
        "end": datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
        "in_stock": ["P0022"],
        "signed_in_only": True,
    },
    variants=[
        {"id": "a", "weight": 2, "message": "A", "discount_code": "SAVE-10", "product_ids": ["P0022"]},
        {"id": "b", "weight": 1.5, "message": "B"},
    ],
    allocation="weighted",
    caps={
        "per_customer": {"max_exposures": 2, "window_days": 7},
        "budget": {"max": 100, "counts": "acceptances"},
    },
    control_share=0.5,
)


def test_demo_rules_are_valid_and_cover_both_kinds_and_an_ab_test() -> None:
    rules = read_rules_file(DEMO_RULES_FILE)
    assert 5 <= len(rules.rules) <= 7
    assert {r.kind for r in rules.rules} == {"upsell", "service_recovery"}
    recovery = [r for r in rules.rules if r.kind == "service_recovery"]
    assert recovery[0].conditions.unhappy is True and recovery[0].variants[0].discount_code
    assert any(len(r.variants) > 1 for r in rules.rules)


def test_every_field_is_accepted_and_survives_storage() -> None:
    rules = parse_rule_set([FULL_RULE])
    rule = rules.rules[0]
    assert rule.conditions.segments == ["2", "high-value"]  # YAML integers read as ids
    assert rule.caps.budget is not None and rule.caps.budget.counts == "acceptances"
    assert rule_set_from_json(rules.model_dump_json(), "test") == rules


def test_yaml_export_loads_back_to_the_same_rules(tmp_path: Path) -> None:
    rules = parse_rule_set([FULL_RULE, rule_data("plain")])
    path = tmp_path / "rules.yml"
    path.write_text(dump_rules_yaml(rules))
    assert read_rules_file(path) == rules


def _with(path: str, value: Any) -> dict[str, Any]:
    """FULL_RULE with one nested field replaced ("conditions.sentiment_min")."""
    data = {
        **FULL_RULE,
        "conditions": dict(FULL_RULE["conditions"]),
        "variants": [dict(v) for v in FULL_RULE["variants"]],
    }
    target: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    if value is _DROP:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return data


_DROP = object()


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("variants.0.message", "", "rules[1].variants[0].message: must not be empty"),
        ("variants.1.message", "   ", "rules[1].variants[1].message: must not be empty"),
        ("variants", [], "rules[1].variants: must not be empty"),
        ("variants.1.id", "a", "rules[1].variants[1].id: duplicate variant id 'a' (also variants[0])"),
        ("variants.0.weight", 0, "rules[1].variants[0].weight: must be > 0"),
        ("variants.0.discount_code", "ten off", "rules[1].variants[0].discount_code: must be 3-32 letters"),
        ("conditions.sentiment_max", -0.5, "rules[1].conditions.sentiment_min: must be <= sentiment_max"),
        ("conditions.sentiment_max", 1.5, "rules[1].conditions.sentiment_max: must be <= 1"),
        ("conditions.cart_value_max", 5, "rules[1].conditions.cart_value_min: must be <= cart_value_max"),
        ("conditions.tenure_days_min", -1, "rules[1].conditions.tenure_days_min: must be >= 0"),
        (
            "conditions.customer_value_min",
            9000,
            "rules[1].conditions.customer_value_min: must be <= customer_value_max",
        ),
        ("conditions.emotions", ["joy", "happy"], "rules[1].conditions.emotions[1]: unknown emotion 'happy'"),
        ("conditions.segments", [], "rules[1].conditions.segments: must not be empty"),
        (
            "conditions.start",
            datetime(2026, 11, 1, 9, 0),
            "rules[1].conditions.start: must include a timezone",
        ),
        ("conditions.start", date(2027, 1, 1), "rules[1].conditions.start: must be before end"),
        ("conditions.end", 20261231, "rules[1].conditions.end: must be a date"),
        ("conditions.colour", "red", "rules[1].conditions.colour: is not a known field"),
        ("id", "Winter Sale", "rules[1].id: must be a slug"),
        ("name", _DROP, "rules[1].name: is required"),
        ("kind", "discount", "rules[1].kind: must be 'upsell' or 'service_recovery'"),
        ("priority", "high", "rules[1].priority: must be a valid integer"),
        ("control_share", 0.6, "rules[1].control_share: must be <= 0.5"),
        (
            "caps",
            {"per_customer": {"max_exposures": 0, "window_days": 7}},
            "rules[1].caps.per_customer.max_exposures: must be >= 1",
        ),
        (
            "caps",
            {"per_customer": {"max_exposures": 1, "window_days": 400}},
            "rules[1].caps.per_customer.window_days: must be <= 365",
        ),
        (
            "caps",
            {"budget": {"max": 10, "counts": "clicks"}},
            "rules[1].caps.budget.counts: must be 'exposures' or 'acceptances'",
        ),
        ("allocation", "random", "rules[1].allocation: must be 'thompson' or 'weighted'"),
    ],
)
def test_each_bad_field_is_named_in_the_error(path: str, value: Any, problem: str) -> None:
    with pytest.raises(OfferRulesInvalid) as caught:
        parse_rule_set([rule_data("fine"), _with(path, value)])
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems
    assert problem in str(caught.value)
    assert isinstance(caught.value, ConfigError)


def test_duplicate_rule_ids_name_both_places() -> None:
    with pytest.raises(OfferRulesInvalid) as caught:
        parse_rule_set([rule_data("a"), rule_data("b"), rule_data("a")])
    assert caught.value.problems == ["rules[2].id: duplicate rule id 'a' (also rules[0])"]


def test_several_problems_are_all_reported() -> None:
    bad = rule_data("x", priority="1", variants=[{"id": "v", "message": ""}])
    with pytest.raises(OfferRulesInvalid) as caught:
        parse_rule_set([bad])
    assert caught.value.problems == [
        "rules[0].priority: must be a valid integer (got str)",
        "rules[0].variants[0].message: must not be empty",
    ]


def test_a_file_that_is_not_a_list_or_not_yaml_is_rejected(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yml"
    mapping.write_text("id: a\nname: A\n")
    with pytest.raises(OfferRulesInvalid, match="rules: must be a list of rules"):
        read_rules_file(mapping)
    broken = tmp_path / "broken.yml"
    broken.write_text("- id: a\n  name: [unclosed\n")
    with pytest.raises(OfferRulesInvalid, match="line 3"):
        read_rules_file(broken)


def test_an_empty_file_is_an_empty_rule_set(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yml"
    empty.write_text("# no rules yet\n")
    assert read_rules_file(empty) == RuleSet()


def test_stored_json_is_validated_again_with_field_paths() -> None:
    rules = parse_rule_set([rule_data("a")])
    tampered = rules.model_dump_json().replace('"message":"offer a"', '"message":""')
    with pytest.raises(OfferRulesInvalid) as caught:
        rule_set_from_json(tampered, "cs:offers:rules:v3")
    assert caught.value.problems == ["rules[0].variants[0].message: must not be empty"]
    assert "cs:offers:rules:v3" in str(caught.value)


def test_a_rules_file_with_yaml_aliases_is_refused_with_its_line(tmp_path: Path) -> None:
    # Nine nested aliases would expand to a billion list items ("billion laughs").
    path = tmp_path / "rules.yml"
    path.write_text("- &a [x, x]\n- &b [*a, *a]\n")
    with pytest.raises(OfferRulesInvalid, match=r"line 2, column \d+: not valid YAML \(aliases"):
        read_rules_file(path)
