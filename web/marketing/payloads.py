"""Request bodies of the marketer API, and one rule read from them with field paths a marketer can find.

A rule arrives either as structured data (the form) or as YAML/JSON text (the
advanced editor). Either way it goes through ``actions.offers.validation`` — the
same checks as the command line and the action server — and every problem names
its place in the rule set, e.g. ``rules[3].variants[1].message: must not be empty``.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.requests import Request

from actions.config_files import load_plain_yaml
from actions.errors import OfferRulesInvalid
from actions.offers.rules import OfferRule, RuleSet
from actions.offers.validation import parse_rule
from web.marketing.responses import RequestInvalid

MAX_RULE_TEXT = 100_000

ModelT = TypeVar("ModelT", bound=BaseModel)


class VersionedRequest(BaseModel):
    """Any edit: the version it started from, so a concurrent save is refused instead of overwritten."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int | None = Field(
        default=None, ge=0, description="None: apply to whatever is current (no conflict check)"
    )


class RuleRequest(VersionedRequest):
    """A rule from the form (``rule``) or from the advanced editor (``rule_yaml``, YAML or JSON)."""

    rule: Any = None
    rule_yaml: str | None = Field(default=None, max_length=MAX_RULE_TEXT)
    editing: str | None = Field(
        default=None, description="id of the saved rule being edited (validate, preview); None: a new rule"
    )

    @model_validator(mode="after")
    def _one_source(self) -> RuleRequest:
        if (self.rule is None) == (self.rule_yaml is None):
            raise ValueError("send exactly one of 'rule' (an object) or 'rule_yaml' (text)")
        return self

    def data(self) -> Any:
        """Return the rule as plain data; YAML syntax errors are problems of the ``yaml`` field."""
        if self.rule_yaml is None:
            return self.rule
        try:
            return load_plain_yaml(self.rule_yaml)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
            problem = getattr(error, "problem", None) or "syntax error"
            raise OfferRulesInvalid([f"yaml: {where}not valid YAML ({problem})"]) from error


async def read_body(request: Request, model: type[ModelT]) -> ModelT:
    """Parse the JSON body into ``model``; an empty body means all defaults."""
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RequestInvalid("the request body is not valid JSON") from error
    except RecursionError as error:  # thousands of nested brackets: no real request looks like that
        raise RequestInvalid("the request body is nested too deeply") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise RequestInvalid(f"malformed request: {details}") from error


def at_index(problems: list[str], index: int) -> list[str]:
    """Place one rule's problems at its index in the rule set: ``name: ...`` -> ``rules[2].name: ...``."""
    placed = []
    for line in problems:
        path, _, reason = line.partition(": ")
        if path.startswith("rules[") or path == "yaml":
            placed.append(line)
        elif path == "rules":  # the rule as a whole (e.g. not an object)
            placed.append(f"rules[{index}]: {reason}")
        else:
            separator = "" if path.startswith("[") else "."
            placed.append(f"rules[{index}]{separator}{path}: {reason}")
    return placed


def rule_index(rules: RuleSet, editing: str | None) -> int:
    """Where the rule sits in the set: its current place when editing, else after the last rule."""
    if editing is not None:
        for index, rule in enumerate(rules.rules):
            if rule.id == editing:
                return index
    return len(rules.rules)


def checked_rule(data: Any, rules: RuleSet, editing: str | None) -> OfferRule:
    """Validate one rule against the schema and against the rest of the set.

    Args:
        data: the rule as plain data.
        rules: the rule set in force.
        editing: the id of the saved rule being edited; None for a new rule.

    Raises:
        OfferRulesInvalid: with every problem placed at the rule's index.

    """
    index = rule_index(rules, editing)
    try:
        rule = parse_rule(data)
    except OfferRulesInvalid as error:
        raise OfferRulesInvalid(at_index(error.problems, index)) from error
    if editing is not None and rule.id != editing:
        raise OfferRulesInvalid(
            [f"rules[{index}].id: an id cannot be changed (was '{editing}'); create a new rule instead"]
        )
    if editing is None:
        for other, existing in enumerate(rules.rules):
            if existing.id == rule.id:
                raise OfferRulesInvalid(
                    [f"rules[{index}].id: duplicate rule id '{rule.id}' (also rules[{other}])"]
                )
    return rule
