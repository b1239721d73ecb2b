"""Who a draft offer rule would reach: its segments and the stored customers that pass its conditions.

Only the conditions a customer's profile can answer are applied (the offers domain's
``PROFILE_CONDITIONS``: segments, lifetime spend, tenure), with the same matching code
the action server uses. Everything decided during a conversation (emotion, intent,
cart...: ``CONVERSATION_CONDITIONS``) is listed as not counted, so the figure is an
upper bound: the customers who could see the offer, not those who will.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.conditions import CONVERSATION_CONDITIONS, PROFILE_CONDITIONS, CompiledRule
from actions.offers.context import OfferContext
from actions.offers.rules import Conditions, OfferRule, window_end, window_start
from actions.segments.models import CustomerProfile, Segment
from web.marketing.segments_view import SegmentsOverview, load_profiles, segments_overview

NOT_COUNTED_NOTE = (
    "Conversation-time conditions (emotion, sentiment, intent, topic, cart and order value, "
    "channel, stock) are not counted: these customers could see the offer, if a conversation "
    "also meets them."
)

Window = Literal["always", "active", "scheduled", "ended"]


class SegmentReach(BaseModel):
    """One segment: whether the rule's segment condition names it, and how many of its customers pass."""

    id: int
    label: str
    size: int
    matched: bool
    reached: int


class Preview(BaseModel):
    """The answer of the preview endpoint."""

    rule: str
    enabled: bool
    segmentation: SegmentsOverview
    profiles: int
    reached: int
    segments: list[SegmentReach]
    counted: list[str]
    not_counted: list[str]
    window: Window
    held_out_estimate: int
    notes: list[str]
    unreadable_profiles: int = 0


def _profile_rule(rule: OfferRule, keep: Sequence[str]) -> CompiledRule:
    """Compile the rule with only the ``keep`` conditions, by the engine's own code."""
    kept = {name: getattr(rule.conditions, name) for name in keep}
    return CompiledRule.of(rule.model_copy(update={"conditions": Conditions(**kept)}))


def _context(
    customer_id: str, segment_id: int, label: str, value: float | None, tenure: int | None, now: datetime
) -> OfferContext:
    return OfferContext(
        conversation_id="preview",
        customer_id=customer_id,
        segment=str(segment_id),
        segment_label=label,
        customer_value=value,
        tenure_days=tenure,
        now=now,
    )


def _window(rule: OfferRule, now: datetime) -> Window:
    start, end = rule.conditions.start, rule.conditions.end
    if start is None and end is None:
        return "always"
    if start is not None and now < window_start(start):
        return "scheduled"
    if end is not None and now > window_end(end):
        return "ended"
    return "active"


def preview_rule(
    rule: OfferRule,
    overview: SegmentsOverview,
    segments: Sequence[Segment],
    profiles: Sequence[CustomerProfile],
    now: datetime,
) -> Preview:
    """Apply the rule's profile conditions to every profile (pure: no Redis)."""
    by_profile = _profile_rule(rule, PROFILE_CONDITIONS)
    by_segment = _profile_rule(rule, ("segments",))
    reached: Counter[int] = Counter()
    for profile in profiles:
        context = _context(
            profile.customer_id,
            profile.segment_id,
            profile.segment_label,
            profile.features.monetary,
            int(profile.features.tenure_days),
            now,
        )
        if by_profile.failed_condition(context, unhappy=False) is None:
            reached[profile.segment_id] += 1
    reach = [
        SegmentReach(
            id=s.id,
            label=s.label,
            size=s.size,
            matched=by_segment.failed_condition(_context("preview", s.id, s.label, None, None, now), False)
            is None,
            reached=reached[s.id],
        )
        for s in segments
    ]
    present = rule.conditions.model_dump(exclude_defaults=True)
    total = sum(reached.values())
    notes = [NOT_COUNTED_NOTE]
    if not profiles:
        notes.append("No customer profiles are stored: run the segmentation (python -m jobs.segments run).")
    if rule.kind == "service_recovery":
        notes.append("A service-recovery rule is shown only to unhappy customers.")
    held_out = round(total * rule.control_share)
    if rule.control_share:
        share = f"{rule.control_share:.0%}"
        notes.append(f"About {share} of them (some {held_out}) would be held out as the control group.")
    if rule.caps.budget is not None:
        notes.append(f"The budget caps the rule at {rule.caps.budget.max} {rule.caps.budget.counts} in all.")
    if not rule.enabled:
        notes.append("The rule is disabled: nobody sees it until it is enabled.")
    return Preview(
        rule=rule.id,
        enabled=rule.enabled,
        segmentation=overview,
        profiles=len(profiles),
        reached=total,
        segments=reach,
        counted=[name for name in PROFILE_CONDITIONS if name in present],
        not_counted=[name for name in CONVERSATION_CONDITIONS if name in present],
        window=_window(rule, now),
        held_out_estimate=held_out,
        notes=notes,
    )


async def preview(redis: Redis, keys: Keys, rule: OfferRule, now: datetime) -> Preview:
    """Read the segmentation and the profiles from Redis and preview the rule against them."""
    overview, segments = await segments_overview(redis, keys)
    profiles, unreadable = await load_profiles(redis, keys)
    result = preview_rule(rule, overview, segments, profiles, now)
    return result.model_copy(update={"unreadable_profiles": unreadable})
