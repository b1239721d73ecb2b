"""Fill-in offer copy built from a rule's facts, for when the generator writes nothing acceptable.

The embedded model is small: for many offers none of its drafts passes the checks.
The marketer then gets wordings filled in from the offer's own facts (its message,
percentage, code, product, price and end date), opened in a tone chosen from the
segment's description ("lapsed" customers are welcomed back, "frequent" ones
thanked). The words are in ``copy_templates.yml``; each filled-in wording still
passes ``CopyChecker`` before it is offered.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from actions.config_files import load_yaml_model
from actions.offers.copy_facts import OfferFacts

TEMPLATES_FILE = Path(__file__).with_name("copy_templates.yml")

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Tone(BaseModel):
    """Openers for the segments whose description holds one of ``words``."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    words: list[str]
    openers: list[str] = Field(min_length=1)


class CopyTemplates(BaseModel):
    """The tones and the bodies of fill-in offer copy."""

    model_config = _FROZEN

    tones: list[Tone] = Field(min_length=1)
    bodies: list[str] = Field(min_length=1)

    def tone_for(self, description: str) -> Tone:
        """The first tone with a word in the segment's description (whole words); the last one otherwise."""
        lowered = description.lower()
        for tone in self.tones:
            if any(
                re.search(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", lowered) for word in tone.words
            ):
                return tone
        return self.tones[-1]

    def fill(self, facts: OfferFacts, description: str, count: int) -> list[str]:
        """Up to ``count`` distinct wordings for the segment, opener and body in turn."""
        values = _values(facts)
        bodies = [body for body in self.bodies if _fields(body) <= values.keys()]
        tone = self.tone_for(description)
        # An opener the offer's message already says ("Thank you for shopping with us so often") is left out.
        message = _plain(facts.message)
        openers = [o for o in tone.openers if _plain(o) not in message] or [""]
        wordings: list[str] = []
        # Pair the n-th opener with the n-th usable body, so each wording differs in both.
        for index in range(max(len(bodies), len(openers))):
            if len(wordings) >= count:
                break
            opener = openers[index % len(openers)]
            body = bodies[index % len(bodies)].format(**values)
            if not opener:
                text = body
            elif opener.endswith((".", "!")):
                text = f"{opener} {body[0].upper()}{body[1:]}"
            else:
                text = f"{opener} {body}"
            if text not in wordings:
                wordings.append(text)
        return wordings


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _values(facts: OfferFacts) -> dict[str, str]:
    values = {"message": facts.message.strip()}
    if facts.percents:
        values["percent"] = facts.percents[0]
    if facts.discount_code:
        values["code"] = facts.discount_code
    if facts.products:
        values["product"] = facts.products[0].name
        values["price"] = facts.price(facts.products[0].price)
    if facts.end:
        values["until"] = f"{facts.end.day} {facts.end:%B}"
    return values


def load_templates(path: Path = TEMPLATES_FILE) -> CopyTemplates:
    """Read and validate the templates; errors name the file and the field."""
    return load_yaml_model(path, CopyTemplates)
