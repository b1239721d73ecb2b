"""JSON endpoints of the offer rule editor: list, read, validate, create, edit, switch, roll back, preview.

Every change goes through ``RuleStore`` (a new audited version, with the signed-in
user as author, refused when another save happened since ``expected_version``) and
is also written to the console audit log.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response

from actions.errors import OfferRulesInvalid
from actions.offers.diff import RuleSetDiff
from actions.offers.rules import OfferRule
from actions.offers.store import RuleStore
from actions.offers.versions import RuleSetVersion
from web.marketing.payloads import RuleRequest, VersionedRequest, checked_rule, read_body
from web.marketing.preview import preview
from web.marketing.responses import RequestInvalid, json_response, problem_of
from web.services import services_of

logger = logging.getLogger(__name__)

MAX_HISTORY = 500
DEFAULT_HISTORY = 50
YAML_WIDTH = 10_000


def _store(request: Request) -> RuleStore:
    return services_of(request).offer_rules


def _author(request: Request) -> str:
    return str(request.state.user.username)


def _rule_json(rule: OfferRule) -> dict[str, Any]:
    return rule.model_dump(mode="json")


def _rule_yaml(rule: OfferRule) -> str:
    # One rule (not a list of rules) is what the advanced editor holds; defaults left out.
    return _plain_yaml(rule.model_dump(mode="json", exclude_defaults=True))


async def _record(
    request: Request, action: str, target: str, saved: RuleSetVersion, changes: RuleSetDiff, **details: Any
) -> None:
    await services_of(request).audit(
        _author(request),
        action,
        target,
        {"version": saved.version, "parent": saved.parent, "changes": changes.model_dump(), **details},
    )
    logger.info("%s %s by %s: version %s", action, target, _author(request), saved.version)


async def _changes(store: RuleStore, saved: RuleSetVersion) -> RuleSetDiff:
    return await store.diff(saved.parent, saved.version)


async def list_rules(request: Request) -> Response:
    """GET: the rules in force and the version they belong to."""
    version, rules = await _store(request).current_rules()
    return json_response({"version": version, "rules": [_rule_json(r) for r in rules.rules]})


async def get_rule(request: Request) -> Response:
    """GET: one rule, as data and as the YAML of the advanced editor."""
    rule_id = request.path_params["rule_id"]
    version, rules = await _store(request).current_rules()
    rule = rules.get(rule_id)
    if rule is None:
        return json_response({"error": f"no offer rule with id '{rule_id}'"}, 404)
    return json_response({"version": version, "rule": _rule_json(rule), "yaml": _rule_yaml(rule)})


async def validate_rule(request: Request) -> Response:
    """POST: check a draft without saving; 200 with ``ok`` false and the problems when it is invalid.

    The answer also holds the draft as YAML (or, when valid, the rule without its
    defaults) so the editor can switch between the form and the advanced text, and
    the draft as data (``data``) so the form can be filled from the text.
    """
    body = await read_body(request, RuleRequest)
    _, rules = await _store(request).current_rules()
    try:
        data = body.data()
    except OfferRulesInvalid as error:  # the text is not YAML at all
        return _invalid(error, None, body.rule_yaml or "")
    try:
        rule = checked_rule(data, rules, body.editing)
    except OfferRulesInvalid as error:
        return _invalid(error, data, body.rule_yaml if body.rule_yaml is not None else _plain_yaml(data))
    return json_response(
        {
            "ok": True,
            "problems": [],
            "rule": _rule_json(rule),
            "data": _rule_json(rule),
            "yaml": _rule_yaml(rule),
        }
    )


def _invalid(error: OfferRulesInvalid, data: Any, text: str) -> Response:
    problems = [problem_of(line).model_dump() for line in error.problems]
    return json_response({"ok": False, "problems": problems, "rule": None, "data": data, "yaml": text})


def _plain_yaml(data: Any) -> str:
    # Wide lines: a message folded over two lines reads as two sentences to a marketer.
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=YAML_WIDTH))


async def create_rule(request: Request) -> Response:
    """POST: add a new rule (its id must be new)."""
    body = await read_body(request, RuleRequest)
    store = _store(request)
    _, rules = await store.current_rules()
    rule = checked_rule(body.data(), rules, None)
    saved = await store.create(rule, _author(request), expected_version=body.expected_version)
    await _record(
        request, "offer_rule.save", rule.id, saved, await _changes(store, saved), operation="create"
    )
    return json_response({"version": saved.version, "rule": _rule_json(rule)}, 201)


async def update_rule(request: Request) -> Response:
    """PUT: replace a rule; the id in the path and in the rule must agree."""
    rule_id = request.path_params["rule_id"]
    body = await read_body(request, RuleRequest)
    store = _store(request)
    _, rules = await store.current_rules()
    if rules.get(rule_id) is None:
        return json_response({"error": f"no offer rule with id '{rule_id}'"}, 404)
    rule = checked_rule(body.data(), rules, rule_id)
    saved = await store.update(rule, _author(request), expected_version=body.expected_version)
    await _record(
        request, "offer_rule.save", rule.id, saved, await _changes(store, saved), operation="update"
    )
    return json_response({"version": saved.version, "rule": _rule_json(rule)})


async def _switch(request: Request, enabled: bool) -> Response:
    rule_id = request.path_params["rule_id"]
    body = await read_body(request, VersionedRequest)
    store = _store(request)
    author = _author(request)
    if enabled:
        saved = await store.enable(rule_id, author, expected_version=body.expected_version)
    else:
        saved = await store.disable(rule_id, author, expected_version=body.expected_version)
    action = "offer_rule.enable" if enabled else "offer_rule.disable"
    await _record(request, action, rule_id, saved, await _changes(store, saved))
    rule = saved.rule_set.get(rule_id)
    return json_response({"version": saved.version, "rule": _rule_json(rule) if rule else None})


async def enable_rule(request: Request) -> Response:
    """POST: switch a rule on."""
    return await _switch(request, True)


async def disable_rule(request: Request) -> Response:
    """POST: switch a rule off (its counters and history are kept)."""
    return await _switch(request, False)


async def list_versions(request: Request) -> Response:
    """GET: the newest saves, newest first: who, when, which action, and what changed."""
    raw_limit = request.query_params.get("limit", str(DEFAULT_HISTORY))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_HISTORY:
        raise RequestInvalid(f"limit: must be a whole number from 1 to {MAX_HISTORY}")
    store = _store(request)
    history = await store.history(int(raw_limit))
    return json_response(
        {
            "current": await store.current_version(),
            "versions": [entry.model_dump(mode="json", exclude={"entry_id"}) for entry in history],
        }
    )


async def rollback(request: Request) -> Response:
    """POST: make an old version's rules current again, as a new version."""
    version = int(request.path_params["version"])
    body = await read_body(request, VersionedRequest)
    store = _store(request)
    current = await store.current_version()
    if version == current:
        raise RequestInvalid(f"version {version} is already the current version")
    saved = await store.rollback(version, _author(request), expected_version=body.expected_version)
    changes = await _changes(store, saved)
    await _record(request, "offer_rule.rollback", "offer_rules", saved, changes, rolled_back_to=version)
    return json_response(
        {"version": saved.version, "rolled_back_to": version, "changes": changes.model_dump()}
    )


async def preview_draft(request: Request) -> Response:
    """POST: which segments and how many stored customers a draft rule would reach (nothing is saved)."""
    body = await read_body(request, RuleRequest)
    services = services_of(request)
    _, rules = await services.offer_rules.current_rules()
    rule = checked_rule(body.data(), rules, body.editing)
    return json_response(await preview(services.redis, services.keys, rule, datetime.now(UTC)))
