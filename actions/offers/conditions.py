"""Checks a rule's conditions against one conversation turn.

Rules are compiled once per rule-set version (lower-cased sets, window bounds as
datetimes), so a decision only compares values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from actions.offers.context import OfferContext
from actions.offers.rules import Conditions, OfferRule, Variant, window_end, window_start

_WORD = re.compile(r"[a-z0-9]+")

# Conditions a customer's stored profile answers (segment, lifetime spend, tenure): a rule's
# reach can be counted by them before any conversation. The window depends on the clock
# alone and the switches hold for any signed-in customer; every other condition is known
# only during a conversation (``in_stock`` at the moment of the decision).
PROFILE_CONDITIONS: tuple[str, ...] = (
    "segments",
    "customer_value_min",
    "customer_value_max",
    "tenure_days_min",
    "tenure_days_max",
)
WINDOW_CONDITIONS: tuple[str, ...] = ("start", "end")
SWITCHES: tuple[str, ...] = ("signed_in_only", "any_topic")
CONVERSATION_CONDITIONS: tuple[str, ...] = tuple(
    name
    for name in Conditions.model_fields
    if name not in (*PROFILE_CONDITIONS, *WINDOW_CONDITIONS, *SWITCHES)
)


def _lower(values: list[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(v.lower() for v in values)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def _phrase_in(phrase: tuple[str, ...], words: tuple[str, ...]) -> bool:
    size = len(phrase)
    return size > 0 and any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


SegmentEntries = tuple[tuple[str, tuple[str, ...]], ...]


def compile_segments(entries: list[str] | None) -> SegmentEntries | None:
    """Prepare segment entries (ids or label words) of a rule or a variant; None: any segment."""
    return None if entries is None else tuple((s.strip().lower(), _words(s)) for s in entries)


def segment_matches(entries: SegmentEntries, context: OfferContext) -> bool:
    """Whether the customer's segment is one of the entries, by id or by words of its label.

    An entry names a segment by its id ("2") or by words of its label ("high value"
    matches "High-value regulars"), so rules survive re-clustering that renumbers
    segments as long as the labels keep their words.
    """
    segment_id = (context.segment or "").strip().lower()
    label_words = _words(context.segment_label or "")
    return any(
        (bool(segment_id) and entry == segment_id) or _phrase_in(words, label_words)
        for entry, words in entries
    )


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its conditions prepared for fast checks."""

    rule: OfferRule
    segments: SegmentEntries | None
    intents: frozenset[str] | None
    topics: frozenset[str] | None
    emotions: frozenset[str] | None
    channels: frozenset[str] | None
    start: datetime | None
    end: datetime | None
    # Each variant's own segments (copy written for one kind of customer); None: every customer.
    variant_segments: tuple[SegmentEntries | None, ...] = ()

    @classmethod
    def of(cls, rule: OfferRule) -> CompiledRule:
        """Prepare one rule."""
        c = rule.conditions
        return cls(
            rule=rule,
            segments=compile_segments(c.segments),
            intents=_lower(c.intents),
            topics=_lower(c.topics),
            emotions=_lower(c.emotions),
            channels=_lower(c.channels),
            start=None if c.start is None else window_start(c.start),
            end=None if c.end is None else window_end(c.end),
            variant_segments=tuple(compile_segments(v.segments) for v in rule.variants),
        )

    def variants_for(self, context: OfferContext) -> list[Variant]:
        """The variants this customer may see: those for every customer, and those for their segment."""
        return [
            variant
            for variant, entries in zip(self.rule.variants, self.variant_segments, strict=True)
            if entries is None or segment_matches(entries, context)
        ]

    def failed_condition(self, context: OfferContext, unhappy: bool) -> str | None:
        """Name the first condition that does not hold; None when all hold.

        ``in_stock`` is not checked here: it needs the catalogue (see ``OfferEngine``).
        """
        c: Conditions = self.rule.conditions
        if c.signed_in_only and not context.signed_in:
            return "signed_in_only"
        if c.unhappy is not None and c.unhappy != unhappy:
            return "unhappy"
        if self.start is not None and context.now < self.start:
            return "start"
        if self.end is not None and context.now > self.end:
            return "end"
        for name, allowed, value in (
            ("intents", self.intents, context.intent),
            ("topics", self.topics, context.topic),
            ("emotions", self.emotions, context.emotion),
            ("channels", self.channels, context.channel),
        ):
            if allowed is not None and (value is None or value.lower() not in allowed):
                return name
        if self.segments is not None and not segment_matches(self.segments, context):
            return "segments"
        ranges: tuple[tuple[str, float | None, float | None, float | None], ...] = (
            ("sentiment", c.sentiment_min, c.sentiment_max, context.sentiment),
            ("customer_value", c.customer_value_min, c.customer_value_max, context.customer_value),
            ("tenure_days", c.tenure_days_min, c.tenure_days_max, context.tenure_days),
            ("cart_value", c.cart_value_min, c.cart_value_max, context.cart_value),
            ("order_value", c.order_value_min, c.order_value_max, context.order_value),
        )
        for name, low, high, number in ranges:
            if low is None and high is None:
                continue
            # An unknown value (no cart, anonymous customer) satisfies no range.
            if number is None or (low is not None and number < low) or (high is not None and number > high):
                return name
        return None
