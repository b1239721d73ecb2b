"""Turns offer rules from a file, a form or Redis into a RuleSet, or into errors that name the field.

Every problem reads ``rules[2].variants[0].message: must not be empty``: the path a
marketer can find in the file, then the reason in plain words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from actions.config_files import load_plain_yaml
from actions.errors import OfferRulesInvalid
from actions.offers.rules import DISCOUNT_CODE_PATTERN, SLUG_PATTERN, FieldProblem, OfferRule, RuleSet

_PATTERN_REASONS = {
    SLUG_PATTERN: "must be a slug: lowercase letters, digits and single hyphens (e.g. 'winter-sale')",
    DISCOUNT_CODE_PATTERN: "must be 3-32 letters, digits, '-' or '_', starting with a letter or digit",
}
_BOUNDS = {"greater_than_equal": ">=", "less_than_equal": "<=", "greater_than": ">", "less_than": "<"}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("rules", 2, "variants", 0, "message")`` -> ``rules[2].variants[0].message``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _reason(error: ErrorDetails) -> tuple[str, str]:
    """Return the path suffix a cross-field check adds, and the reason in our words."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), FieldProblem):
        problem: FieldProblem = ctx["error"]
        return problem.field, problem.reason
    if kind == "value_error":
        return "", str(error["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return "", "is required"
    if kind == "extra_forbidden":
        return "", "is not a known field"
    if kind in ("string_too_short", "too_short"):
        minimum = ctx.get("min_length", 1)
        return "", "must not be empty" if minimum == 1 else f"must have at least {minimum}"
    if kind in ("string_too_long", "too_long"):
        return "", f"must have at most {ctx.get('max_length')}"
    if kind == "string_pattern_mismatch":
        return "", _PATTERN_REASONS.get(str(ctx.get("pattern")), f"must match {ctx.get('pattern')}")
    if kind == "literal_error":
        return "", f"must be {ctx.get('expected')}"
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()))
        return "", f"must be {_BOUNDS[kind]} {bound}"
    message = str(error["msg"])
    if message.startswith("Input should be"):
        message = "must be" + message.removeprefix("Input should be")
    return "", f"{message} (got {type(error['input']).__name__})" if kind.endswith("_type") else message


def problems_of(error: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[str]:
    """One ``path: reason`` line per validation error, in the order pydantic found them."""
    lines = []
    for details in error.errors():
        # Union and function-validator branches add their own names to the
        # location; only field names and list indexes mean something to a marketer.
        loc = tuple(p for p in details["loc"] if isinstance(p, int) or ("[" not in p and "-" not in p))
        suffix, reason = _reason(details)
        path = field_path(prefix + loc)
        if suffix:
            path = f"{path}{suffix}" if suffix.startswith("[") or not path else f"{path}.{suffix}"
        lines.append(f"{path or 'rules'}: {reason}")
    return lines


def parse_rule_set(data: Any, source: str = "") -> RuleSet:
    """Validate a list of rules (as read from YAML or JSON) into a RuleSet."""
    if not isinstance(data, list):
        raise OfferRulesInvalid(["rules: must be a list of rules"], source)
    try:
        return RuleSet.model_validate({"rules": data})
    except ValidationError as error:
        raise OfferRulesInvalid(problems_of(error), source) from error


def parse_rule(data: Any, source: str = "") -> OfferRule:
    """Validate one rule (e.g. from the marketer console's form)."""
    try:
        return OfferRule.model_validate(data)
    except ValidationError as error:
        raise OfferRulesInvalid(problems_of(error), source) from error


def rule_set_from_json(raw: str | bytes, source: str) -> RuleSet:
    """Validate a stored rule set: the same checks as on save, so bad data never reaches a decision."""
    try:
        return RuleSet.model_validate_json(raw)
    except ValidationError as error:
        raise OfferRulesInvalid(problems_of(error), source) from error


def read_rules_file(path: Path) -> RuleSet:
    """Read and validate a YAML file holding a list of rules."""
    try:
        data = load_plain_yaml(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise OfferRulesInvalid([f"cannot read the file: {error.strerror}"], str(path)) from error
    except UnicodeDecodeError as error:
        raise OfferRulesInvalid([f"byte {error.start + 1}: not UTF-8 text"], str(path)) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise OfferRulesInvalid(
            [f"{where}not valid YAML ({getattr(error, 'problem', error)})"], str(path)
        ) from error
    return parse_rule_set([] if data is None else data, str(path))


def dump_rules_yaml(rules: RuleSet | list[OfferRule]) -> str:
    """Write the rules as YAML a marketer can edit and load again (defaults left out)."""
    items = rules.rules if isinstance(rules, RuleSet) else rules
    data = [rule.model_dump(mode="json", exclude_defaults=True) for rule in items]
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
