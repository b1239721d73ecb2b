"""Grounding checks of offer copy: a draft may say only what its rule states.

A drafted (or edited) offer message reaches customers verbatim, so it passes the
checks the customer replies pass (``actions/answering/guard.py``: every number,
price, percentage, date and identifier in the evidence; no product the catalogue
lacks; no commitment the evidence does not make; no repeated instructions;
``faithfulness.repetition``), with the rule's own facts as the evidence, plus what
only offer copy needs:

- no discount code but the rule's (``SAVE20`` where the rule gives ``SORRY15``);
- no catalogue product the offer does not include;
- no urgency, scarcity or scope the rule does not state ("today only", "while
  stocks last", "on everything");
- the rule's code and percentage kept: copy without them sells nothing.

Each refusal carries a reason a marketer can act on: "mentions 25% but the rule
gives 15%".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from actions.answering.faithfulness import content_stems, negation_differs, precision, repetition
from actions.answering.guard import STOCK_CLAIM, GroundingGuard, Violation
from actions.knowledge.catalogue import Catalogue
from actions.knowledge.facts import FactSet, extract_facts
from actions.offers.copy_facts import OfferFacts

MAX_MESSAGE_CHARS = 500  # Variant.message's limit
# Words of tone any offer copy may use without evidence; everything else must come from the offer's facts
# or the segment's description, as for customer replies (``faithfulness.precision``, the same share).
TONE_WORDS = """enjoy treat special offer offers order orders shop shopping store save saving savings deal
deals love loved favourite favorite perfect great good little something today time next first thank thanks
welcome back again missed miss glad happy pleased delighted excited customer customers loyal regular
regulars valued best use using code off gift gifts season ready just here been while see come look around
joining aboard way lighter news make"""

_FROZEN = ConfigDict(extra="forbid", frozen=True)
# A code written after its cue word ("code SAVE20", "coupon: VIP"), or any capitalised token with a digit.
_CODE_CUE = re.compile(
    r"\b(?:code|coupon|voucher|promo)\b\s*(?:is\s+)?[:\"'“‘]?\s*([A-Za-z0-9][A-Za-z0-9_-]{2,31})",
    re.IGNORECASE,
)
_CODE_WITH_DIGIT = re.compile(r"(?<![\w$€£])(?=[A-Z0-9_-]*[A-Z])(?=[A-Z0-9_-]*\d)[A-Z0-9][A-Z0-9_-]{2,31}\b")
# Marketing promises: each is made only when the rule's facts contain the same phrase.
_PROMISES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\b(?:today|tonight|this weekend) only\b|\bone[- ]day only\b|\bends (?:today|tonight|at midnight)\b",
        r"\bwhile (?:stocks?|supplies) lasts?\b|\blimited stock\b|\bselling fast\b|\balmost gone\b"
        r"|\bonly \w+ left\b|\blimited[- ]edition\b|\bexclusive(?:ly)?\b",
        r"\bno minimum\b|\bsite[- ]?wide\b|\bstore[- ]wide\b|\bon everything\b|\bevery order\b"
        r"|\ball (?:your |future )*orders\b|\bforever\b|\bfor life\b",
        r"\b(?:lowest|best) prices?\b|\bcheapest\b|\bunbeatable\b",
        r"\b(?:loyalty |reward )?points\b|\bfree gift\b|\bgift with (?:every|your) (?:order|purchase)\b",
    )
)
# Urgency is fair only for an offer that ends: the rule must have an end date.
_URGENCY = re.compile(
    r"\blimited[- ]time\b|\bends soon\b|\blast chance\b|\bexpires? soon\b|\bhurry\b|\bdon'?t (?:wait|miss)\b",
    re.IGNORECASE,
)


_FREE = re.compile(r"\bfree\b", re.IGNORECASE)
_SHIPPING = re.compile(r"\b(?:ship\w*|deliver\w*|express|postage|post)\b", re.IGNORECASE)
FREE_WINDOW_WORDS = 3


def _free_kind(text: str, match: re.Match[str]) -> str:
    """What a "free" is about: shipping when a shipping word is within a few words of it, else other."""
    before = re.findall(r"[\w'-]+", text[: match.start()])[-FREE_WINDOW_WORDS:]
    after = re.findall(r"[\w'-]+", text[match.end() :])[:FREE_WINDOW_WORDS]
    return "shipping" if _SHIPPING.search(" ".join(before + after)) else "other"


class CopyProblem(BaseModel):
    """One reason a draft may not be shown to customers."""

    model_config = _FROZEN

    kind: str
    value: str
    reason: str


class CopyVerdict(BaseModel):
    """The checks' decision on one draft."""

    model_config = _FROZEN

    problems: tuple[CopyProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the draft may become a variant."""
        return not self.problems

    @property
    def reasons(self) -> list[str]:
        """The reasons, in a marketer's words."""
        return [p.reason for p in self.problems]


@dataclass(frozen=True)
class CopyChecker:
    """Checks drafts of one offer against its facts and the store's catalogue."""

    facts: OfferFacts
    catalogue: Catalogue
    instructions: tuple[str, ...] = ()

    def check(self, text: str, audience: str = "") -> CopyVerdict:
        """Every problem of ``text``; none means it may be offered to the marketer as acceptable.

        Args:
            text: the draft, as the customer would read it.
            audience: the segment's description, whose words the copy may use ("As one of our regulars").

        """
        text = text.strip()
        if not text:
            return CopyVerdict(problems=(CopyProblem(kind="empty", value="", reason="is empty"),))
        evidence_text = "\n".join(self.facts.lines())
        evidence = FactSet.of(self.facts.lines())
        guard = GroundingGuard(self.catalogue, self.instructions)
        problems: list[CopyProblem] = []
        if len(text) > MAX_MESSAGE_CHARS:
            problems.append(
                CopyProblem(
                    kind="too_long",
                    value=str(len(text)),
                    reason=f"is longer than {MAX_MESSAGE_CHARS} characters",
                )
            )
        codes = self._codes(text)
        problems += codes
        for violation in (*guard.check(text, evidence).violations, *repetition(text)):
            if violation.kind == "unsupported_fact" and any(violation.value in c.value for c in codes):
                continue  # the digits of an invented code: the code's problem says it
            problems.append(self._worded(violation, evidence))
        problems += self._products(text, guard)
        problems += self._promises(text, evidence.lowered_text)
        problems += self._kept(text)
        if not problems:  # said last, and only alone: the other reasons are more precise
            problems += self._precision(text, evidence_text, audience)
        return CopyVerdict(problems=tuple(dict.fromkeys(problems)))

    def _precision(self, text: str, evidence: str, audience: str) -> list[CopyProblem]:
        free = set(content_stems(f"{TONE_WORDS} {audience}"))
        if not precision(text, evidence, free):
            return []
        known = set(content_stems(evidence)) | free
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text) if set(content_stems(w)) - known]
        shown = ", ".join(dict.fromkeys(w.lower() for w in words))
        return [
            CopyProblem(
                kind="unfaithful", value=shown, reason=f"says things the rule does not state: {shown}"
            )
        ]

    def _codes(self, text: str) -> list[CopyProblem]:
        allowed = set(re.findall(r"[a-z0-9_-]+", " ".join(self.facts.lines()).lower()))
        found = [m.group(1) for m in _CODE_CUE.finditer(text)] + _CODE_WITH_DIGIT.findall(text)
        own = self.facts.discount_code
        problems = []
        for code in dict.fromkeys(found):
            is_code = any(ch.isdigit() for ch in code) or code.isupper()
            if not is_code or code.lower() in allowed:
                continue
            reason = (
                f"gives the code {code}, but the rule's code is {own}"
                if own
                else f"gives the code {code}, but the rule has no discount code"
            )
            problems.append(CopyProblem(kind="unsupported_code", value=code, reason=reason))
        return problems

    def _worded(self, violation: Violation, evidence: FactSet) -> CopyProblem:
        value = violation.value
        if violation.kind == "unsupported_fact":
            reason = self._fact_reason(value)
        elif violation.kind == "unknown_product":
            reason = f"names {value}, which is not in the catalogue"
        elif violation.kind == "unsupported_promise":
            reason = f"promises “{value}”, which the rule does not offer"
        elif violation.kind == "prompt_leak":
            reason = "repeats the drafting instructions"
        elif violation.kind == "unfaithful":
            reason = value
        else:
            reason = f"{violation.kind.replace('_', ' ')}: {value}"
        return CopyProblem(kind=violation.kind, value=value, reason=reason)

    def _fact_reason(self, value: str) -> str:
        facts = extract_facts(value)
        kind = facts[0].kind if facts else "other"
        stated = [f.text for f in extract_facts("\n".join(self.facts.lines())) if f.kind == kind]
        given = ", ".join(dict.fromkeys(stated))
        if kind == "percent":
            return (
                f"mentions {value} but the rule gives {given}"
                if given
                else f"mentions {value}, but the rule gives no percentage"
            )
        if kind == "money":
            return (
                f"mentions {value} but the rule's prices are {given}"
                if given
                else f"mentions {value}, but the rule states no price"
            )
        if kind == "date":
            return (
                f"mentions {value} but the rule's dates are {given}"
                if given
                else f"mentions {value}, but the rule gives no date"
            )
        if kind == "number":
            return f"mentions {value}, a number the rule does not state"
        if STOCK_CLAIM.search(value):
            return f"says “{value}”, but the rule says nothing about stock"
        return f"mentions {value}, which the rule does not state"

    def _products(self, text: str, guard: GroundingGuard) -> list[CopyProblem]:
        offered = [p.name.lower() for p in self.facts.products]
        lowered = " ".join(text.lower().split())
        facts_text = " ".join(" ".join(self.facts.lines()).lower().split())
        named = [n for n in self.catalogue.names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", lowered)]
        named += [m.lower() for m in guard.product_mentions(text) if self.catalogue.is_known(m)]
        problems = []
        for name in dict.fromkeys(named):
            if any(name in own for own in offered) or name in facts_text or name in self.catalogue.categories:
                continue
            shown = next((m for m in guard.product_mentions(text) if m.lower() == name), name.title())
            problems.append(
                CopyProblem(
                    kind="other_product",
                    value=shown,
                    reason=f"names {shown}, which this offer does not include",
                )
            )
        return problems

    def _promises(self, text: str, facts_text: str) -> list[CopyProblem]:
        problems = []
        for pattern in _PROMISES:
            for match in pattern.finditer(text):
                if match.group(0).lower() not in facts_text:
                    problems.append(
                        CopyProblem(
                            kind="unsupported_promise",
                            value=match.group(0),
                            reason=f"promises “{match.group(0)}”, which the rule does not say",
                        )
                    )
        # "Your next order is free" is not what "your next order ships for free" offers.
        offered_free = self._free_in_facts()
        if offered_free and {_free_kind(text, m) for m in _FREE.finditer(text)} - offered_free:
            problems.append(
                CopyProblem(
                    kind="unsupported_promise",
                    value="free",
                    reason="says something is free that the rule does not: "
                    + (
                        "it offers free shipping only"
                        if "shipping" in self._free_in_facts()
                        else "nothing is free"
                    ),
                )
            )
        urgent = _URGENCY.search(text)
        if urgent and self.facts.end is None:
            problems.append(
                CopyProblem(
                    kind="unsupported_promise",
                    value=urgent.group(0),
                    reason=f"says “{urgent.group(0)}”, but the rule has no end date",
                )
            )
        return problems

    def _free_in_facts(self) -> set[str]:
        facts_text = " ".join(self.facts.lines())
        return {_free_kind(facts_text, m) for m in _FREE.finditer(facts_text)}

    def _kept(self, text: str) -> list[CopyProblem]:
        problems = []
        code = self.facts.discount_code
        if code and not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text, re.IGNORECASE):
            problems.append(CopyProblem(kind="missing", value=code, reason=f"leaves out the code {code}"))
        lowered = text.lower()
        brands = {" ".join(p.name.lower().split()[:2]) for p in self.facts.products}
        if brands and not any(brand in lowered for brand in brands):
            names = ", ".join(p.name for p in self.facts.products)
            problems.append(
                CopyProblem(kind="missing", value=names, reason=f"leaves out the offer's products ({names})")
            )
        # A draft that negates where the offer does not ("we don't have a code for COMEBACK15") contradicts
        # it; one that drops the offer's own negation ("sorry this hasn't gone smoothly") need not.
        offer_negates = negation_differs("", self.facts.message)
        if not offer_negates and negation_differs(text, self.facts.message):
            problems.append(
                CopyProblem(kind="unfaithful", value="not", reason="says “not” where the offer does not")
            )
        given = {f.key for f in extract_facts(text) if f.kind == "percent"}
        for fact in (f for f in extract_facts(self.facts.message) if f.kind == "percent"):
            if fact.key not in given:
                problems.append(
                    CopyProblem(
                        kind="missing", value=fact.text, reason=f"leaves out the {fact.text} discount"
                    )
                )
        return problems
