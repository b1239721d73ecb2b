"""JSON endpoints of "Draft copy" in the rule editor: draft per segment, re-check an edit, approve.

Drafts are written from one of the rule's variants (its message, code and products,
with the store's prices, and the rule's dates) for each chosen segment, and checked
(``actions/offers/copy_checks.py``). Approved drafts are checked again, since a
marketer's edit can add a fact the rule does not state, and become variants of the
rule for that segment: a new rule version through ``RuleStore`` with the signed-in
user as author, audited like every rule change.
"""

from __future__ import annotations

import logging
import re

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from actions.errors import OfferRuleNotFound, OfferRulesInvalid
from actions.knowledge.catalogue import Catalogue
from actions.offers.copy_checks import CopyChecker
from actions.offers.copy_drafts import DEFAULT_DRAFTS, INSTRUCTIONS, MAX_DRAFTS, describe_segment
from actions.offers.copy_facts import offer_facts
from actions.offers.rules import OfferRule, Variant
from actions.segments.models import Segment
from web.marketing.payloads import VersionedRequest, checked_rule, read_body
from web.marketing.responses import RequestInvalid, json_response
from web.marketing.segments_view import segments_overview
from web.services import WebServices, services_of

logger = logging.getLogger(__name__)

MAX_SEGMENTS_PER_REQUEST = 8
MAX_APPROVED = 5


class DraftRequest(BaseModel):
    """Draft copy of one variant's offer for some segments."""

    model_config = ConfigDict(extra="forbid")

    variant_id: str | None = Field(
        default=None, description="the offer to rewrite; default: the first variant"
    )
    segments: list[str] = Field(min_length=1, max_length=MAX_SEGMENTS_PER_REQUEST, description="segment ids")
    count: int = Field(default=DEFAULT_DRAFTS, ge=1, le=MAX_DRAFTS)


class CheckRequest(BaseModel):
    """Check one (edited) draft."""

    model_config = ConfigDict(extra="forbid")

    variant_id: str | None = None
    segment: str = Field(min_length=1)
    text: str = Field(max_length=2000)


class ApproveRequest(VersionedRequest):
    """Make approved drafts the rule's variants for one segment."""

    variant_id: str | None = None
    segment: str = Field(min_length=1)
    messages: list[str] = Field(min_length=1, max_length=MAX_APPROVED)


class _Offer:
    """What every endpoint needs: the rule, the variant drafted from, its checker, the segments."""

    def __init__(self, rule: OfferRule, variant: Variant, checker: CopyChecker, segments: dict[str, Segment]):
        self.rule = rule
        self.variant = variant
        self.checker = checker
        self.segments = segments

    def segment(self, segment_id: str, field: str) -> Segment:
        found = self.segments.get(segment_id.strip())
        if found is None:
            known = ", ".join(sorted(self.segments)) or "none: run the segmentation first"
            raise RequestInvalid(f"{field}: no segment '{segment_id}' (segments now: {known})")
        return found


async def _offer(request: Request, services: WebServices, variant_id: str | None) -> tuple[int, _Offer]:
    rule_id = request.path_params["rule_id"]
    version, rules = await services.offer_rules.current_rules()
    rule = rules.get(rule_id)
    if rule is None:
        raise OfferRuleNotFound(f"no offer rule with id '{rule_id}'")
    variant = rule.variant(variant_id) if variant_id else rule.variants[0]
    if variant is None:
        raise RequestInvalid(f"variant_id: rule '{rule_id}' has no variant '{variant_id}'")
    policy = await services.store.policy()
    products = await services.store.products()
    facts = offer_facts(rule, variant, products, policy.store_name, policy.currency)
    catalogue = Catalogue.of((p.name for p in products), (p.category for p in products))
    _, segments = await segments_overview(services.redis, services.keys)
    return version, _Offer(
        rule, variant, CopyChecker(facts, catalogue, INSTRUCTIONS), {str(s.id): s for s in segments}
    )


def _author(request: Request) -> str:
    return str(request.state.user.username)


async def draft_copy(request: Request) -> Response:
    """POST: checked drafts of the offer's message for each chosen segment (nothing is saved)."""
    body = await read_body(request, DraftRequest)
    services = services_of(request)
    version, offer = await _offer(request, services, body.variant_id)
    chosen = [offer.segment(s, f"segments[{i}]") for i, s in enumerate(dict.fromkeys(body.segments))]
    results = []
    for segment in chosen:
        results.append(
            await services.copy_drafter.draft(
                offer.checker.facts,
                offer.checker,
                str(segment.id),
                segment.label,
                describe_segment(segment),
                body.count,
            )
        )
    await services.audit(
        _author(request),
        "offer_copy.draft",
        offer.rule.id,
        {
            "variant": offer.variant.id,
            "segments": [r.segment_id for r in results],
            "generated": sum(r.generated for r in results),
            "generated_ok": sum(r.generated_ok for r in results),
        },
    )
    return json_response(
        {
            "version": version,
            "rule_id": offer.rule.id,
            "variant_id": offer.variant.id,
            "segments": [r.model_dump(mode="json") for r in results],
        }
    )


async def check_copy(request: Request) -> Response:
    """POST: the checks' verdict on one edited draft (nothing is saved)."""
    body = await read_body(request, CheckRequest)
    _, offer = await _offer(request, services_of(request), body.variant_id)
    segment = offer.segment(body.segment, "segment")
    verdict = offer.checker.check(body.text, describe_segment(segment))
    return json_response({"ok": verdict.ok, "reasons": verdict.reasons})


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:40].strip("-") or "segment"


async def approve_copy(request: Request) -> Response:
    """POST: add approved drafts as variants for one segment, after checking them again; a new version."""
    body = await read_body(request, ApproveRequest)
    services = services_of(request)
    _, offer = await _offer(request, services, body.variant_id)
    segment = offer.segment(body.segment, "segment")
    audience = describe_segment(segment)
    problems = [
        f"messages[{index}]: {reason}"
        for index, message in enumerate(body.messages)
        for reason in offer.checker.check(message, audience).reasons
    ]
    if problems:
        raise OfferRulesInvalid(problems)
    taken = {v.id for v in offer.rule.variants}
    base = _slug(segment.label)
    added = []
    for message in body.messages:
        number = 1
        while f"{base}-{number}" in taken:
            number += 1
        variant_id = f"{base}-{number}"
        taken.add(variant_id)
        added.append(
            {
                "id": variant_id,
                "message": " ".join(message.split()),
                "discount_code": offer.variant.discount_code,
                "product_ids": list(offer.variant.product_ids),
                # The label's words, not the id: ids change when the segmentation is re-run.
                "segments": [segment.label],
            }
        )
    data = offer.rule.model_dump(mode="json")
    data["variants"] = [*data["variants"], *added]
    _, rules = await services.offer_rules.current_rules()
    rule = checked_rule(data, rules, offer.rule.id)
    store = services.offer_rules
    saved = await store.update(rule, _author(request), expected_version=body.expected_version)
    changes = await store.diff(saved.parent, saved.version)
    await services.audit(
        _author(request),
        "offer_rule.save",
        rule.id,
        {
            "version": saved.version,
            "parent": saved.parent,
            "changes": changes.model_dump(),
            "operation": "approve_copy",
            "segment": segment.label,
            "variants": [a["id"] for a in added],
        },
    )
    logger.info("offer copy for %s approved by %s: version %s", rule.id, _author(request), saved.version)
    return json_response(
        {"version": saved.version, "rule": rule.model_dump(mode="json"), "added": [a["id"] for a in added]}
    )
