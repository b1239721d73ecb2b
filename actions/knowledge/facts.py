"""Pulls checkable facts out of text: numbers, prices, percentages, dates, identifiers, contacts.

The grounding guard extracts facts from a generated reply and from the passages
it was grounded on, and lets a reply through only if each of its facts is among
the passages' facts. Extraction is deliberately greedy: a false alarm costs a
retry or an extractive answer; a missed fact could cost the store money.

The customer's question is read here too, once (``question.py``): a reply that
only repeats the question's own numbers has not answered it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

FactKind = Literal["url", "email", "phone", "money", "percent", "date", "identifier", "number"]
# The kinds of fact a reply must keep when its evidence states them (every kind, so far; a new one opts in).
SPECIFIC_KINDS: frozenset[FactKind] = frozenset(
    {"money", "percent", "number", "date", "email", "url", "phone", "identifier"}
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>()\"'\]\[]+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|shop|store|example|co|uk|de|fr|eu|info|biz|app)\b"
    r"(?:/[^\s<>()\"'\]\[]*)?",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ().-]{6,}\d(?!\w|\.\d)")
_MONEY = re.compile(
    r"([$€£]|\b(?:USD|EUR|GBP)\s?)(\d[\d,]*(?:\.\d+)?)"
    r"|(\d[\d,]*(?:\.\d+)?)\s?(USD|EUR|GBP|dollars?|euros?|pounds?|bucks)\b",
    re.IGNORECASE,
)
_CURRENCIES = {
    "$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd", "bucks": "usd",
    "€": "eur", "eur": "eur", "euro": "eur", "euros": "eur",
    "£": "gbp", "gbp": "gbp", "pound": "gbp", "pounds": "gbp",
}  # fmt: skip
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_MONTHS = "january february march april may june july august september october november december".split()
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE_MONTH_FIRST = re.compile(
    rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE
)
_DATE_DAY_FIRST = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE
)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_SLASH = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
# Named days and months said on their own ("arrives on Monday", "in December").
_DAY_OR_MONTH = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekends?|"
    r"january|february|march|april|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(
    r"\b(?=[A-Za-z0-9-]*\d[A-Za-z0-9-]*\d[A-Za-z0-9-]*\d[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{5,}\b"
)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?(?![\w])|\d+")
# "one" is left out on purpose: "one of our team" is not a quantity.
_NUMBER_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "thousand": 1000, "dozen": 12, "half": 0.5, "twice": 2, "double": 2,
}  # fmt: skip
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    """One fact as written (``text``) and in comparable form (``key``)."""

    kind: FactKind
    text: str
    key: str


def _number_key(raw: str) -> str:
    value = float(raw.replace(",", ""))
    return f"{value:g}"


def _month_number(name: str) -> int:
    return next(i for i, month in enumerate(_MONTHS, start=1) if month.startswith(name.lower()[:3]))


def extract_facts(text: str) -> list[Fact]:
    """Every fact in the text; each character belongs to at most one fact."""
    facts: list[Fact] = []
    taken = [False] * len(text)

    def claim(match: re.Match[str], kind: FactKind, key: str) -> None:
        start, end = match.span()
        if any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        facts.append(Fact(kind, match.group(0), key))

    for match in _EMAIL.finditer(text):
        claim(match, "email", match.group(0).lower())
    for match in _URL.finditer(text):
        claim(match, "url", normalise_url(match.group(0)))
    for match in _DATE_ISO.finditer(text):
        claim(match, "date", f"{int(match.group(2)):02d}-{int(match.group(3)):02d}")
    for match in _DATE_MONTH_FIRST.finditer(text):
        claim(match, "date", f"{_month_number(match.group(1)):02d}-{int(match.group(2)):02d}")
    for match in _DATE_DAY_FIRST.finditer(text):
        claim(match, "date", f"{_month_number(match.group(2)):02d}-{int(match.group(1)):02d}")
    for match in _DATE_SLASH.finditer(text):
        if match.group(3) is not None or int(match.group(1)) <= 12:
            claim(match, "date", f"{int(match.group(1)):02d}-{int(match.group(2)):02d}")
    for match in _DAY_OR_MONTH.finditer(text):
        claim(
            match,
            "date",
            match.group(0).lower().rstrip("s")
            if match.group(0).lower().startswith("weekend")
            else match.group(0).lower(),
        )
    for match in _MONEY.finditer(text):
        currency = _CURRENCIES[(match.group(1) or match.group(4)).strip().lower()]
        claim(match, "money", f"{currency}:{_number_key(match.group(2) or match.group(3))}")
    for match in _PERCENT.finditer(text):
        claim(match, "percent", _number_key(match.group(1)))
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) >= 7 and re.search(r"[ ().+-]", match.group(0)):
            claim(match, "phone", digits)
    for match in _IDENTIFIER.finditer(text):
        if not match.group(0).replace("-", "").isdigit() or len(match.group(0)) >= 6:
            claim(match, "identifier", match.group(0).lower())
    for match in _NUMBER.finditer(text):
        claim(match, "number", _number_key(match.group(0)))
    for match in _NUMBER_WORD.finditer(text):
        claim(match, "number", f"{_NUMBER_WORDS[match.group(0).lower()]:g}")
    return facts


def specific_keys(text: str) -> frozenset[str]:
    """The comparable form of each specific fact (price, number, date, e-mail...) in the text."""
    return frozenset(f.key for f in extract_facts(text) if f.kind in SPECIFIC_KINDS)


def normalise_url(url: str) -> str:
    """Scheme, 'www.', trailing punctuation and slash removed; lower case."""
    url = url.lower().rstrip(".,;:!?)'\"")
    url = re.sub(r"^https?://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")


@dataclass(frozen=True)
class FactSet:
    """The facts of a grounding context, indexed for lookup."""

    keys: frozenset[tuple[str, str]]
    numbers: frozenset[str]
    urls: tuple[str, ...]
    lowered_text: str

    @classmethod
    def of(cls, texts: Iterable[str]) -> FactSet:
        """Facts of all the texts together."""
        joined = "\n".join(texts)
        facts = extract_facts(joined)
        keys = frozenset((f.kind, f.key) for f in facts)
        # Any numeric fact of the context can support a plain number written another
        # way ("30 days" in the article, "thirty days" in the reply); prices and
        # percentages need a price or percentage ("$50" and "50 dollars" share a key).
        numbers = frozenset(f.key.split(":")[-1] for f in facts if f.kind in ("money", "percent", "number"))
        numbers |= frozenset(
            _number_key(d) for f in facts if f.kind == "identifier" and f.key.isdigit() for d in [f.key]
        )
        ranges = re.findall(r"(\d+)\s*[-–]\s*(\d+)", joined)
        numbers |= frozenset(_number_key(n) for pair in ranges for n in pair)
        urls = tuple(f.key for f in facts if f.kind == "url")
        return cls(keys, numbers, urls, " ".join(joined.lower().split()))

    def supports(self, fact: Fact) -> bool:
        """Whether the context states this fact."""
        if (fact.kind, fact.key) in self.keys:
            return True
        if fact.kind == "number":
            return fact.key in self.numbers
        if fact.kind in ("money", "percent"):
            return False  # a price or a percentage must be stated as one
        if fact.kind == "url":
            # A shorter form of a context URL (its domain, say) is still the store's own.
            return any(url.startswith(fact.key) for url in self.urls)
        if fact.kind in ("identifier", "email", "date"):
            return fact.text.lower() in self.lowered_text
        return False
