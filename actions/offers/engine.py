"""Decides which offer, if any, a conversation turn gets, and records what the customer did with it.

One decision: the rules in force (cached per version: one GET of the version
pointer per decision), the conditions, emotion-aware suppression, the stock of
products the rules need, then rule by rule in priority order the control group,
the variant (Thompson sampling) and the caps, checked and recorded atomically.
A rule whose caps are spent gives way to the next eligible one.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from actions import metrics
from actions.keys import Keys
from actions.offers.bandit import VariantStats, choose_variant, variant_stats
from actions.offers.conditions import CompiledRule
from actions.offers.context import OfferContext, is_unhappy
from actions.offers.control import in_control
from actions.offers.decision import Offer, OfferDecision, OfferExposure, OfferSettings
from actions.offers.events import ANONYMOUS, EventType, OfferEvent
from actions.offers.ledger import OfferLedger
from actions.offers.rules import OfferRule, Variant
from actions.offers.stock import StockSource
from actions.offers.store import RuleStore

logger = logging.getLogger(__name__)


def _products_of(rule: OfferRule) -> set[str]:
    return {pid for variant in rule.variants for pid in variant.product_ids}


def _with_variants(rule: OfferRule, variants: list[Variant]) -> OfferRule:
    # A view of the rule for one decision: the same id, caps and counters, fewer variants.
    return rule.model_copy(update={"variants": variants})


@dataclass(frozen=True)
class _Loaded:
    version: int
    ranked: tuple[CompiledRule, ...]  # enabled rules, highest priority first
    by_id: dict[str, OfferRule]


class OfferEngine:
    """Offer decisions against the rules in Redis; one per process, shared by every action."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        stock: StockSource | None = None,
        settings: OfferSettings | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Build the engine.

        Args:
            redis: the process's connection pool.
            keys: key names.
            stock: where ``in_stock`` conditions look; without one, such rules never apply.
            settings: tunables (defaults: the action server's).
            rng: random source of the bandit and weighted splits; tests pass a seeded one.

        """
        self._redis = redis
        self._keys = keys
        self._stock = stock
        self._settings = settings or OfferSettings()
        self._rng = rng or random.Random()
        self._store = RuleStore(redis, keys)
        self._ledger = OfferLedger(redis, keys, self._settings.events_maxlen)
        self._loaded = _Loaded(0, (), {})

    async def decide(self, context: OfferContext) -> OfferDecision:
        """Decide the offer for this turn, a control hold, or none; every exposure and hold is logged."""
        loaded = await self._rules()
        unhappy = is_unhappy(context, self._settings.sentiment_limit)
        skipped: dict[str, str] = {}
        candidates: list[OfferRule] = []
        for compiled in loaded.ranked:
            rule = compiled.rule
            if unhappy and rule.kind != "service_recovery":
                skipped[rule.id] = "suppressed"
            elif (failed := compiled.failed_condition(context, unhappy)) is not None:
                skipped[rule.id] = failed
            elif not (eligible := compiled.variants_for(context)):
                skipped[rule.id] = "variants"  # every variant is written for other segments
            else:
                # The bandit (and a weighted split) allocate among the variants this customer may see.
                candidates.append(
                    rule if len(eligible) == len(rule.variants) else _with_variants(rule, eligible)
                )
        candidates = await self._on_topic(candidates, context, skipped)
        candidates = await self._with_stock(candidates, skipped)
        now_ms = int(context.now.timestamp() * 1000)
        for rule in candidates:
            variant = None
            if not in_control(rule.id, context.subject, rule.control_share):
                # Counters are read only for the rule being tried: usually the first one is granted.
                learning = rule.allocation == "thompson" and len(rule.variants) > 1
                stats = await self._ledger.stats_of(rule.id) if learning else {}
                variant = choose_variant(
                    rule, stats, context.segment, self._rng, self._settings.bandit_by_segment
                )
            event = OfferEvent(
                type="control" if variant is None else "exposure",
                rule=rule.id,
                kind=rule.kind,
                variant=variant.id if variant else "",
                segment=context.segment or "",
                conversation=context.conversation_id,
                customer=context.customer_id or ANONYMOUS,
                version=loaded.version,
                ts=context.now.timestamp(),
            )
            result = await self._ledger.expose(rule, event, context.subject, now_ms)
            if not result.granted:
                skipped[rule.id] = result.reason
                continue
            exposure = OfferExposure(
                rule_id=rule.id,
                kind=rule.kind,
                variant_id=event.variant,
                conversation_id=context.conversation_id,
                customer_id=context.customer_id,
                segment=context.segment,
                version=loaded.version,
                event_id=result.entry_id,
            )
            metrics.offer_exposed(rule.kind, control=variant is None)
            if variant is None:
                logger.info("offer %s: %s held out as control", rule.id, context.conversation_id)
                return OfferDecision(
                    outcome="control",
                    exposure=exposure,
                    unhappy=unhappy,
                    version=loaded.version,
                    skipped=skipped,
                )
            logger.info("offer %s/%s shown to %s", rule.id, variant.id, context.conversation_id)
            offer = Offer(
                rule_id=rule.id,
                rule_name=rule.name,
                kind=rule.kind,
                variant_id=variant.id,
                message=variant.message,
                discount_code=variant.discount_code,
                product_ids=list(variant.product_ids),
            )
            return OfferDecision(
                outcome="offer",
                offer=offer,
                exposure=exposure,
                unhappy=unhappy,
                version=loaded.version,
                skipped=skipped,
            )
        logger.debug("no offer for %s: %s", context.conversation_id, skipped)
        return OfferDecision(outcome="none", unhappy=unhappy, version=loaded.version, skipped=skipped)

    async def record_click(self, exposure: OfferExposure) -> bool:
        """Record a click on a shown offer; False for a control hold (nothing was shown)."""
        if exposure.control:
            return False
        await self._ledger.click(self._event("click", exposure))
        return True

    async def record_accept(self, exposure: OfferExposure) -> bool:
        """Record that the customer accepted the offer, feeding the bandit.

        Returns False, recording nothing, for a control hold, for a second
        acceptance of the same rule in the same conversation, or when the rule's
        acceptance budget is spent (the offer has ended: don't honour the code).
        """
        if exposure.control:
            return False
        loaded = await self._rules()
        result = await self._ledger.accept(
            loaded.by_id.get(exposure.rule_id), self._event("accept", exposure)
        )
        if not result.granted:
            logger.info(
                "offer %s: acceptance by %s not counted (%s)",
                exposure.rule_id,
                exposure.conversation_id,
                result.reason,
            )
        else:
            metrics.offer_accepted(exposure.kind)
        return result.granted

    async def exposure_for(
        self,
        conversation_id: str,
        rule_id: str,
        variant_id: str,
        customer_id: str | None = None,
        segment: str | None = None,
    ) -> OfferExposure:
        """Rebuild an exposure from what a conversation remembers (e.g. the offer_rule/offer_variant slots).

        The stream entry id is unknown then; the rule's kind and the version come
        from the rules in force (an upsell if the rule was deleted since).
        """
        loaded = await self._rules()
        rule = loaded.by_id.get(rule_id)
        return OfferExposure(
            rule_id=rule_id,
            kind=rule.kind if rule else "upsell",
            variant_id=variant_id,
            conversation_id=conversation_id,
            customer_id=customer_id,
            segment=segment,
            version=loaded.version,
            event_id="",
        )

    async def variant_stats(self, rule_id: str, segment: str | None = None) -> list[VariantStats]:
        """Exposures, clicks and acceptances of each variant of a rule in force (for reports)."""
        loaded = await self._rules()
        rule = loaded.by_id.get(rule_id)
        if rule is None:
            return []
        return variant_stats(rule, await self._ledger.stats_of(rule_id), segment)

    @staticmethod
    def _event(kind: EventType, exposure: OfferExposure) -> OfferEvent:
        return OfferEvent.model_validate(
            {
                "type": kind,
                "rule": exposure.rule_id,
                "kind": exposure.kind,
                "variant": exposure.variant_id,
                "segment": exposure.segment or "",
                "conversation": exposure.conversation_id,
                "customer": exposure.customer_id or ANONYMOUS,
                "version": exposure.version,
                "ts": time.time(),
            }
        )

    async def _on_topic(
        self, candidates: list[OfferRule], context: OfferContext, skipped: dict[str, str]
    ) -> list[OfferRule]:
        """Drop rules whose products have nothing to do with what the customer is looking at.

        A rule that names products in its variants is about them: it rides only with a
        turn about one of those products or their categories, unless ``any_topic`` is
        set. A rule with a ``topics`` condition has already been matched on the topic.
        """
        product_rules = [
            r
            for r in candidates
            if not r.conditions.any_topic and not r.conditions.topics and _products_of(r)
        ]
        if not product_rules:
            return candidates
        categories = (
            await self._stock.categories({p for r in product_rules for p in _products_of(r)})
            if self._stock
            else {}
        )
        looking_at = set(context.product_ids)
        topic = (context.topic or "").lower()
        kept = []
        for rule in candidates:
            products = _products_of(rule)
            about = {categories[p].lower() for p in products if p in categories}
            if rule in product_rules and not (products & looking_at or topic in about):
                skipped[rule.id] = "off_topic"
            else:
                kept.append(rule)
        return kept

    async def _with_stock(self, candidates: list[OfferRule], skipped: dict[str, str]) -> list[OfferRule]:
        needed = {pid for rule in candidates for pid in rule.conditions.in_stock or ()}
        if not needed:
            return candidates
        available = await self._stock.in_stock(needed) if self._stock is not None else set()
        kept = []
        for rule in candidates:
            if set(rule.conditions.in_stock or ()) <= available:
                kept.append(rule)
            else:
                skipped[rule.id] = "in_stock"
        return kept

    async def _rules(self) -> _Loaded:
        # One GET per decision; the rule set is parsed and compiled only when the
        # pointer moved, so a marketer's save takes effect on the next decision.
        version = await self._store.current_version()
        if version != self._loaded.version:
            rules = (await self._store.get(version)).rules if version else []
            ranked = sorted((r for r in rules if r.enabled), key=lambda r: (-r.priority, r.id))
            self._loaded = _Loaded(
                version, tuple(CompiledRule.of(r) for r in ranked), {r.id: r for r in rules}
            )
            logger.info("offer rules version %s loaded: %s enabled of %s", version, len(ranked), len(rules))
        return self._loaded
