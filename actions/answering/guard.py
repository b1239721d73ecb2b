"""The grounding guard: no generated reply reaches a customer with a fact its context lacks.

Checks, on every generated reply:
- each number, price, percentage, date, order or tracking number, e-mail, URL
  and phone number appears in the grounding context (``knowledge/facts.py``);
- each product it names exists in the catalogue (``knowledge/catalogue.py``);
- it makes no commitment (refund, free shipping, guarantee, discount...) the
  context does not state, and never promises an action the assistant cannot take;
- it does not repeat the instructions it was given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from actions.knowledge.catalogue import LEADING_WORDS, WORD, Catalogue
from actions.knowledge.facts import FactSet, extract_facts

ViolationKind = Literal[
    "unsupported_fact",
    "unknown_product",
    "unsupported_promise",
    "prompt_leak",
    "empty",
    "missing_specifics",
    "unfaithful",
]

# A commitment and the word the context must contain for the reply to make it.
_COMMITMENTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), required)
    for pattern, required in (
        (r"\bfree\b", "free"),
        (r"\bguarantee", "guarantee"),
        (r"\brefund", "refund"),
        (r"\breplace(?:ment|d|s)?\b", "replace"),
        (r"\bcompensat", "compensat"),
        (r"\bprice[- ]match", "price match"),
        (r"\bdiscount", "discount"),
        (r"\bvoucher", "voucher"),
        (r"\bcoupon", "coupon"),
        (r"\bpromo(?:tion(?:al)?)? codes?\b", "code"),
        (r"\bwaive", "waive"),
        (r"\bsame[- ]day\b", "same"),
        (r"\bnext[- ]day\b", "next"),
        (r"\bovernight\b", "overnight"),
        (r"\blifetime\b", "lifetime"),
        (r"\bwarrant(?:y|ies)\b", "warrant"),
        (r"\bupgrade", "upgrade"),
        (r"\b(?:gift card|store credit)\b", "credit"),
        (r"\bcash ?back\b", "cashback"),
        (r"\bexpress\b", "express"),
    )
)
# The assistant cannot act from a generated sentence: a promise to act is never grounded.
_ACTION_PROMISE = re.compile(
    r"\b(?:I|we)(?:'ll|'m going to| will| am going to| are going to| can)\s+(?:personally\s+|now\s+|also\s+)?"
    r"(?:refund|cancel|send|ship|replace|upgrade|waive|arrange|expedite|give|issue|process|credit|change"
    r"|update|reimburse|compensate)\b",
    re.IGNORECASE,
)
# Availability claims, checked against the named product's own passage.
_IN_STOCK = re.compile(
    r"\b(?:in stock|available(?! in)|can (?:be )?order(?:ed)? (?:it|them|now)|ready to ship)\b", re.IGNORECASE
)
_OUT_OF_STOCK = re.compile(
    r"\b(?:out of stock|sold out|not (?:currently |yet )?(?:in stock|available)|unavailable"
    r"|isn't available|aren't available)\b",
    re.IGNORECASE,
)
# Either claim: a reply asked about availability must make one.
STOCK_CLAIM = re.compile(f"{_IN_STOCK.pattern}|{_OUT_OF_STOCK.pattern}", re.IGNORECASE)
_CLAUSES = re.compile(r"(?<=[.!?])\s+|[,;]\s*|\s+(?:but|while|whereas)\s+")
_LEAK_WINDOW = 8


@dataclass(frozen=True)
class Violation:
    """One reason a reply may not be delivered."""

    kind: ViolationKind
    value: str


@dataclass(frozen=True)
class GuardVerdict:
    """The guard's decision on one reply."""

    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the reply may reach the customer."""
        return not self.violations

    @property
    def reason(self) -> str:
        """A log-friendly summary, e.g. 'unsupported_fact: $12.99; unknown_product: Voltra Max'."""
        return "; ".join(f"{v.kind}: {v.value}" for v in self.violations) or "ok"


class GroundingGuard:
    """Checks generated replies against their grounding context."""

    def __init__(self, catalogue: Catalogue, instructions: Iterable[str] = ()) -> None:
        self._catalogue = catalogue
        self._instruction_windows = {
            window for text in instructions for window in _windows(text.lower(), _LEAK_WINDOW)
        }

    def check(self, reply: str, context: Iterable[str] | FactSet) -> GuardVerdict:
        """Every violation in the reply; an empty tuple means it may be delivered."""
        if not reply.strip():
            return GuardVerdict((Violation("empty", ""),))
        grounding = context if isinstance(context, FactSet) else FactSet.of(context)
        lowered_context = grounding.lowered_text
        violations = [
            Violation("unsupported_fact", fact.text)
            for fact in extract_facts(reply)
            if not grounding.supports(fact)
        ]
        violations += [
            Violation("unknown_product", mention) for mention in self.product_mentions(reply)
            if not self._catalogue.is_known(mention)
            and " ".join(mention.lower().split()) not in lowered_context
        ]  # fmt: skip
        violations += self._stock_claims(reply, lowered_context)
        violations += [
            Violation("unsupported_promise", m.group(0)) for m in _ACTION_PROMISE.finditer(reply)
            if m.group(0).lower() not in lowered_context
        ]  # fmt: skip
        for pattern, required in _COMMITMENTS:
            match = pattern.search(reply)
            if match and required not in lowered_context:
                violations.append(Violation("unsupported_promise", match.group(0)))
        if self._instruction_windows and _windows(reply.lower(), _LEAK_WINDOW) & self._instruction_windows:
            violations.append(Violation("prompt_leak", "repeats its instructions"))
        return GuardVerdict(tuple(dict.fromkeys(violations)))

    def _stock_claims(self, reply: str, lowered_context: str) -> list[Violation]:
        """'X is in stock' must match what X's passage says; without a named product, the context must say it.

        Product passages read "<name> (<category>) costs <price>. It is in stock." (``passages.py``).
        """
        violations = []
        for sentence in _CLAUSES.split(reply):
            negative = _OUT_OF_STOCK.search(sentence)
            # "not available" also matches the positive pattern: the negative reading wins.
            claims = [("out of stock", negative)] if negative else [("in stock", _IN_STOCK.search(sentence))]
            for state, match in claims:
                if match is None:
                    continue
                lowered = " ".join(sentence.lower().split())
                named = [n for n in self._catalogue.names if n in lowered]
                named = [n for n in named if not any(n != other and n in other for other in named)]
                if not named:
                    if state not in lowered_context:
                        violations.append(Violation("unsupported_fact", match.group(0)))
                    continue
                for name in named:
                    passage = re.search(
                        re.escape(name) + r" \([^)]*\) costs .{0,60}?(?:out of stock|in stock)",
                        lowered_context,
                    )
                    if passage is None or not passage.group(0).endswith(state):
                        violations.append(Violation("unsupported_fact", f"{match.group(0)} ({name})"))
        return violations

    def product_mentions(self, reply: str) -> list[str]:
        """Runs of capitalised words (with model numbers) that look like a product name.

        Public for other checks of generated text (offer copy names only the rule's products).
        """
        mentions = []
        for run in re.finditer(
            r"(?:[A-Z][A-Za-z0-9'&-]*|\d+[A-Za-z]*)(?:\s+(?:&\s+)?(?:[A-Z][A-Za-z0-9'&-]*|\d+[A-Za-z]*))*",
            reply,
        ):
            text = " ".join(run.group(0).split())
            words = WORD.findall(text)
            while words and words[0].lower() in LEADING_WORDS:
                text = text[text.index(words[0]) + len(words[0]) :].strip()
                words = words[1:]
            if words and not words[0][0].isdigit() and self._catalogue.looks_like_product(words):
                mentions.append(text)
        return mentions


def _windows(text: str, size: int) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text)
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}
