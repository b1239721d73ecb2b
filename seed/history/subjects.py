"""The subjects of the demo history (``subjects.yml``) and how a customer's message about one is worded.

A wording from the file is filled in from the demo store (the customer's own order
numbers and products when signed in, its categories, voucher codes and countries) and
then varied the way people type in a chat box: a greeting or not, lower case, no final
punctuation, a slip of the keyboard, an upset customer's aside. So the topics job sees
hundreds of distinct messages per subject, not a handful of phrases repeated.
"""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

SUBJECTS_FILE = Path(__file__).with_name("subjects.yml")
GREETINGS = ("hi", "hello", "hey", "hi there,", "good morning", "hello,", "Hi!", "hey,")
ASIDES_UPSET = (
    "this is ridiculous",
    "really not happy",
    "seriously?",
    "so frustrating",
    "not impressed",
    "third time asking",
    "I'm losing patience",
    "very disappointed",
)
ASIDES_CALM = ("thanks", "thank you", "cheers", "thx", "please", "quick question")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Emerging(BaseModel):
    """The planted rise: the rate times ``jump`` from ``onset_days_before_end`` days before the end."""

    jump: float = Field(gt=1)
    onset_days_before_end: int = Field(ge=0)


class Subject(BaseModel):
    """One subject customers write about (field meanings: ``subjects.yml`` header)."""

    id: str = Field(min_length=1)
    intent: str = Field(min_length=1)
    rate: float = Field(gt=0)
    upset: float = Field(ge=0, le=1)
    handoff: float = Field(ge=0, le=1)
    form: str | None = None
    answers: dict[str, float] = Field(default_factory=dict)
    emerging: Emerging | None = None
    wordings: list[str] = Field(min_length=5)
    follow_ups: list[str] = Field(default_factory=list)


@cache
def load_subjects(path: Path = SUBJECTS_FILE) -> tuple[Subject, ...]:
    """The subjects of ``path``, validated (a bad field names itself in the error)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    subjects = tuple(Subject.model_validate(item) for item in raw)
    if sum(1 for s in subjects if s.emerging) > 1:
        raise ValueError(f"{path}: at most one subject may be emerging")
    return subjects


class Fillers(BaseModel):
    """What a wording's placeholders are filled with, from the demo store (and the customer)."""

    products: list[str] = Field(min_length=1)
    categories: list[str] = Field(min_length=1)
    orders: list[str] = Field(min_length=1)
    codes: list[str] = Field(min_length=1)
    countries: list[str] = Field(min_length=1)
    carriers: list[str] = Field(min_length=1)


def fill(template: str, rng: random.Random, fillers: Fillers) -> str:
    """Replace each ``{placeholder}`` with a value drawn for this message."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        choices = {
            "product": fillers.products,
            "category": fillers.categories,
            "order": fillers.orders,
            "code": fillers.codes,
            "country": fillers.countries,
            "carrier": fillers.carriers,
        }.get(name)
        if choices is not None:
            return rng.choice(choices)
        if name == "days":
            return str(rng.randint(4, 12))
        if name == "amount":
            return f"{rng.randint(12, 240)}.{rng.choice(['00', '99', '49', '95'])}"
        raise ValueError(f"{SUBJECTS_FILE.name}: unknown placeholder {{{name}}} in {template!r}")

    return _PLACEHOLDER.sub(value, template)


def _typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters of one longer word, as fast typing does."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    at = rng.randrange(1, len(word) - 2)
    words[i] = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return " ".join(words)


def vary(text: str, rng: random.Random, upset: bool) -> str:
    """The wording as one customer types it: greeting, case, punctuation, a typo, an aside."""
    if rng.random() < 0.08:
        text = _typo(text, rng)
    if rng.random() < 0.25:
        text = text.lower()
    if rng.random() < 0.3:
        text = text.rstrip("?.!")
    if upset and rng.random() < 0.45:
        aside = rng.choice(ASIDES_UPSET)
        text = f"{text}. {aside}" if rng.random() < 0.6 else f"{aside.capitalize()}. {text}"
        if rng.random() < 0.3:
            text += "!!"
    elif not upset and rng.random() < 0.15:
        text = f"{text} {rng.choice(ASIDES_CALM)}"
    if rng.random() < 0.2:
        text = f"{rng.choice(GREETINGS)} {text[0].lower()}{text[1:]}"
    return text


def message_about(subject: Subject, rng: random.Random, fillers: Fillers, upset: bool) -> str:
    """A customer's first message about ``subject``."""
    return vary(fill(rng.choice(subject.wordings), rng, fillers), rng, upset)


def follow_up_about(subject: Subject, rng: random.Random, fillers: Fillers, upset: bool) -> str | None:
    """A later message of the same conversation about ``subject``, or None if it has none."""
    if not subject.follow_ups:
        return None
    return vary(fill(rng.choice(subject.follow_ups), rng, fillers), rng, upset)
