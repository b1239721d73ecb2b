"""Property tests of the offer-rule validator and the YAML loader under it (bounded time, never a crash).

Whatever a rules file, the marketer console's editor or the stored JSON holds, loading
returns valid rules or raises ``OfferRulesInvalid`` whose every problem names a field (or
the line of a YAML error); other configuration files raise ``ConfigError``. Nothing else
escapes, each example takes under ``TIME_LIMIT_S``, and rules that load are saved and
exported as exactly the rules that load again.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from actions.answering.wording import AnswerWording
from actions.config_files import load_plain_yaml, load_yaml_model
from actions.errors import ConfigError, OfferRulesInvalid
from actions.offers.demo import DEMO_RULES_FILE
from actions.offers.rules import Budget, Conditions, OfferRule, PerCustomerCap, RuleSet, Variant
from actions.offers.validation import (
    dump_rules_yaml,
    parse_rule,
    parse_rule_set,
    read_rules_file,
    rule_set_from_json,
)
from web.marketing.payloads import RuleRequest, checked_rule

T = TypeVar("T")

TIME_LIMIT_S = 1.0
# Reproducible in CI: a fixed seed per test and no example database. The deadline backs up the
# explicit TIME_LIMIT_S check, which reports the time taken.
PROPERTIES = settings(
    max_examples=60,
    deadline=timedelta(seconds=2),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FIELD_NAMES = sorted(
    {*OfferRule.model_fields, *Conditions.model_fields, *Variant.model_fields}
    | {*PerCustomerCap.model_fields, *Budget.model_fields, "per_customer", "budget", "rules"}
)
# How a problem with the text rather than a field begins (read_rules_file, the console editor).
POSITIONS = ("line ", "byte ", "not valid YAML", "cannot read the file", "yaml: ")
# Pieces of YAML syntax, values PyYAML resolves to other types, and tags it constructs.
YAML_FRAGMENTS = [
    "\n", "\n  ", "\n- ", "- ", ": ", ", ", "[", "]", "{", "}", "'", '"', "? ", "#", "|\n  ", ">\n  ",
    "&a ", "*a", "<<: *a", "<<: {x: 1}", "!!int ", "!!float ", "!!timestamp ", "!!binary ", "!!set ",
    "!!omap ", "!!python/object/apply:os.system ['true']", "!x ", "---\n", "...\n", "%YAML 1.1\n",
    "2026-02-30", "2026-12-01 10:00:00 +99:00", "2026-12-01", ".inf", "-.inf", ".nan", "1e400", "0x",
    "0x" + "f" * 300, "9" * 5000, "1:" * 300 + "1", "0o9", "~", "yes", "\t", "\ufeff", "\x00", "é",
    *FIELD_NAMES,
]  # fmt: skip


def within_time_limit(load: Callable[[], T]) -> T | OfferRulesInvalid:
    """What ``load`` returns, or the OfferRulesInvalid it raises; any other exception fails the test."""
    started = time.perf_counter()
    try:
        result: T | OfferRulesInvalid = load()
    except OfferRulesInvalid as error:
        result = error
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.2f} s"
    return result


def assert_names_fields(error: OfferRulesInvalid, first_names: set[str]) -> None:
    """Every problem reads ``<field path or YAML position>: <reason>``."""
    assert error.problems
    for problem in error.problems:
        assert re.search(r": \S", problem), problem
        # A position in the text, or an unknown key, which is the field named.
        if problem.startswith(POSITIONS) or problem.endswith(": is not a known field"):
            continue
        first = re.match(r"[a-z_]+", problem)
        assert first and first.group(0) in first_names, problem


def assert_saved_and_exported_unchanged(rules: RuleSet) -> None:
    """Validated on save and again on load: the stored JSON and an exported file load as the same rules."""
    assert rule_set_from_json(rules.model_dump_json(), "stored") == rules
    assert parse_rule_set(load_plain_yaml(dump_rules_yaml(rules)) or []) == rules


def check_rule_set(load: Callable[[], RuleSet]) -> None:
    result = within_time_limit(load)
    if isinstance(result, OfferRulesInvalid):
        assert_names_fields(result, {"rules"})
    else:
        assert isinstance(result, RuleSet)
        assert_saved_and_exported_unchanged(result)


@cache
def demo_text() -> str:
    return DEMO_RULES_FILE.read_text(encoding="utf-8")


@cache
def demo_rules() -> RuleSet:
    return read_rules_file(DEMO_RULES_FILE)


# --- strategies ----------------------------------------------------------------------------------------

keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12))
long_texts = st.builds(
    lambda unit, times: unit * times, st.text(min_size=1, max_size=3), st.integers(1, 20_000)
)
offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    # Huge, yet under Python's 4,300-digit limit for str(): hypothesis must print a failing example.
    st.sampled_from([2**64, 10**400, -(10**4000)]),
    st.floats(),
    st.text(max_size=20),
    long_texts,
    st.sampled_from(
        ["2026-02-30", "2026-12-01", "2026-12-01T09:00:00+00:00", "2026-12-01T09:00:00", "x" * 11]
    ),
    st.dates(),
    st.datetimes(timezones=st.none() | st.just(UTC) | st.builds(timezone, offsets)),
    st.binary(max_size=8),
)
json_like = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)


def _places(data: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) inside ``data``."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield data, key
        yield from _places(value)


@st.composite
def mutated_demo_rules(draw: st.DrawFn) -> Any:
    """The demo rules with a few values replaced, removed, added or duplicated."""
    data = copy.deepcopy(load_plain_yaml(demo_text()))
    for _ in range(draw(st.integers(1, 3))):
        places = list(_places(data))
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        change = draw(st.sampled_from(["replace", "remove", "add", "duplicate"]))
        if change == "replace":
            container[key] = draw(json_like)
        elif change == "remove":
            del container[key]
        elif isinstance(container, dict):
            container[draw(keys)] = draw(json_like) if change == "add" else copy.deepcopy(container[key])
        else:
            container.insert(key, draw(json_like) if change == "add" else copy.deepcopy(container[key]))
    return data


@st.composite
def edited_demo_text(draw: st.DrawFn) -> str:
    """The demo rules file with YAML fragments or text inserted and spans deleted."""
    text = demo_text()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(YAML_FRAGMENTS) | st.text(max_size=8)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
    return text


def _laughs(levels: int, fan_out: int) -> str:
    lines = ["a0: &a0 [lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * fan_out)}]" for n in range(1, levels)]
    return "\n".join(lines)


# Billion laughs (refused at the first alias), nesting as deep as the console's 100,000
# characters allow, ints over Python's digit limit and sexagesimal ints PyYAML multiplies out.
yaml_bombs = st.one_of(
    st.builds(_laughs, st.integers(2, 12), st.integers(2, 10)),
    st.integers(1, 50_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(1, 25_000).map(lambda depth: "{a: " * depth),
    st.integers(1, 400).map(
        lambda depth: "".join(f"{'  ' * n}k:\n" for n in range(depth)) + "  " * depth + "v"
    ),
    st.builds(lambda digits: "- id: " + "9" * digits, st.integers(1, 20_000)),
    st.builds(lambda parts: "- priority: " + "1:" * parts + "1", st.integers(1, 2_000)),
)
yaml_texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(YAML_FRAGMENTS), max_size=30).map("".join),
    edited_demo_text(),
    yaml_bombs,
    json_like.map(lambda data: yaml.safe_dump(data, allow_unicode=True)),
    long_texts.map(lambda text: demo_text().replace("Thank you for shopping", text, 1)),
)


# --- properties ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rules") / "rules.yml"


@settings(PROPERTIES, max_examples=100)
@given(text=yaml_texts)
@example(text="- id: x\n  start: 2026-02-30").via("a date PyYAML cannot construct")
@example(text="!!timestamp tomorrow").via("a tag whose constructor raises AttributeError")
@example(text="- priority: " + "9" * 5000).via("an int over Python's 4,300-digit limit")
@example(text="[" * 3000 + "]" * 3000).via("nesting deeper than Python's recursion limit")
@example(text="[" * 50_000).via("flow nesting PyYAML's scanner reads ahead in quadratic time")
def test_a_rules_file_loads_as_rules_or_names_the_problem(rules_file: Path, text: str) -> None:
    rules_file.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_rule_set(lambda: read_rules_file(rules_file))


@PROPERTIES
@given(raw=st.binary(max_size=200) | edited_demo_text().map(lambda text: b"\xff" + text.encode()))
def test_a_rules_file_that_is_not_utf8_names_the_problem(rules_file: Path, raw: bytes) -> None:
    rules_file.write_bytes(raw)
    check_rule_set(lambda: read_rules_file(rules_file))


@PROPERTIES
@given(data=json_like | mutated_demo_rules())
@example(data=[{"id": "x", "name": "X", "kind": "upsell", "conditions": {"customer_value_min": float("inf")},
                "variants": [{"id": "a", "message": "m"}]}]).via("a value JSON cannot store")  # fmt: skip
def test_rule_data_validates_as_rules_or_names_the_field(data: Any) -> None:
    check_rule_set(lambda: parse_rule_set(data))
    stored = json.dumps(data, default=str)
    check_rule_set(lambda: rule_set_from_json(stored, "stored"))


@PROPERTIES
@given(
    source=yaml_texts.filter(lambda text: len(text) <= 100_000) | json_like | mutated_demo_rules(),
    editing=st.none() | st.sampled_from(["apology-voucher", "loyal-thank-you", "no-such-rule"]),
)
def test_the_console_editor_gives_a_rule_or_names_the_field(source: Any, editing: str | None) -> None:
    """The marketer console: YAML text or form data, checked against the rules in force."""

    def load() -> OfferRule:
        if isinstance(source, str):
            data = RuleRequest.model_validate({"rule_yaml": source}).data()
        else:
            data = source[0] if isinstance(source, list) and source else source
        return checked_rule(data, demo_rules(), editing)

    result = within_time_limit(load)
    if isinstance(result, OfferRulesInvalid):
        assert_names_fields(result, {"rules", "yaml"})
    else:
        assert isinstance(result, OfferRule)
        assert_saved_and_exported_unchanged(RuleSet(rules=[result]))


@PROPERTIES
@given(data=json_like | mutated_demo_rules())
def test_one_rule_validates_or_names_its_field(data: Any) -> None:
    result = within_time_limit(lambda: parse_rule(data))
    if isinstance(result, OfferRulesInvalid):
        assert_names_fields(result, {"rules", *OfferRule.model_fields})


@settings(PROPERTIES, max_examples=40)
@given(shared=json_like)
def test_aliases_are_always_refused(shared: Any) -> None:
    """safe_dump writes a list or mapping that appears twice as an anchor and an alias."""
    text = yaml.safe_dump({"first": shared, "again": shared}, allow_unicode=True)
    if isinstance(shared, list | dict):
        with pytest.raises(yaml.YAMLError, match="aliases"):
            load_plain_yaml(text)
    else:
        started = time.perf_counter()
        load_plain_yaml(text)
        assert time.perf_counter() - started < TIME_LIMIT_S


@PROPERTIES
@given(text=yaml_texts | json_like.map(lambda data: yaml.safe_dump({"partial_lead": data})))
def test_other_config_files_load_or_raise_a_config_error_naming_the_file(rules_file: Path, text: str) -> None:
    rules_file.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.perf_counter()
    try:
        assert isinstance(load_yaml_model(rules_file, AnswerWording), AnswerWording)
    except ConfigError as error:
        assert str(error).startswith(f"{rules_file}: ")
        assert "field '" in str(error) or "cannot be read" in str(error)
    assert time.perf_counter() - started < TIME_LIMIT_S
