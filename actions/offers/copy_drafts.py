"""Offer copy drafted for each customer segment by the generator, checked, with templates as the fallback.

For one offer (a rule's variant) and one segment, the generator is asked for a few
drafts, each in its own style (warm, short, cheerful: greedy decoding, so the same
offer and segment always get the same drafts). Every draft goes through
``CopyChecker``; a refused one is still shown to the marketer with its reasons.
When no generated draft passes (the embedded model is small), wordings filled in
from the offer's facts (``copy_templates.py``) are offered, marked "template".

The model loads once per process, on a worker thread (``LazyGenerator``), so the
web app's event loop never waits for it; each draft has a deadline.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from actions.errors import ModelUnavailable
from actions.generation.base import ChatMessage, GenerationFailed, GenerationRequest, Generator
from actions.generation.config import GeneratorSettings
from actions.offers.copy_checks import CopyChecker
from actions.offers.copy_facts import OfferFacts
from actions.offers.copy_templates import CopyTemplates, load_templates
from actions.segments.models import Segment

logger = logging.getLogger(__name__)

DEFAULT_DRAFTS = 3
MAX_DRAFTS = 5
# One draft: two sentences of copy. The console waits for every draft of a request.
DRAFT_MAX_NEW_TOKENS = 60
DRAFT_DEADLINE_S = 8.0
# The fixed lines of the prompt: a draft that repeats them is refused (``prompt_leak``). The model is asked
# to rewrite the marketer's own message: SmolLM2-135M wrote an acceptable draft for 7 of 24 requests so,
# against 1 of 47 when asked to write one from a list of facts (it wandered off into made-up products).
INSTRUCTIONS: tuple[str, ...] = (
    "You rewrite a store's offer message for a group of customers. "
    "Keep every fact and the discount code exactly as written.",
    "Do not add any number, price, date, product or promise.",
    "Reply with the rewritten message only: one or two sentences.",
)
# One style per draft, so the drafts differ from each other.
STYLES: tuple[str, ...] = (
    "Make it warm and personal.",
    "Make it short and direct.",
    "Make it cheerful and upbeat.",
    "Make it friendly and relaxed.",
    "Make it polite and simple.",
)

_FROZEN = ConfigDict(extra="forbid", frozen=True)
_SENTENCE_END = re.compile(r"[.!?][\"')\]”]*(?=\s|$)")


def describe_segment(segment: Segment) -> str:
    """A segment in a marketer's words: its label and its favourite categories.

    No figures: the model copies numbers it is given into the offer ("66% off").
    """
    words = f"{segment.label} customers"
    if segment.top_categories:
        words += f", who mostly buy {', '.join(segment.top_categories)}"
    return words


class Draft(BaseModel):
    """One draft of offer copy, with the checks' verdict."""

    model_config = _FROZEN

    text: str
    source: Literal["generated", "template"]
    ok: bool
    reasons: list[str] = Field(default_factory=list, description="why it was refused, in a marketer's words")


class SegmentDrafts(BaseModel):
    """The drafts for one segment."""

    model_config = _FROZEN

    segment_id: str
    segment_label: str
    description: str
    drafts: list[Draft]
    generated: int = Field(description="drafts the generator wrote")
    generated_ok: int = Field(description="of those, drafts that passed the checks")
    note: str = Field(default="", description="why templates are offered, when they are")


class LazyGenerator:
    """The configured generator, built on first use on a worker thread; None when it cannot load."""

    def __init__(self, settings: GeneratorSettings | None = None, generator: Generator | None = None) -> None:
        """Build lazily from ``settings`` (default: ``CS_GENERATOR_*`` variables), or wrap ``generator``."""
        self._settings = settings
        self._generator = generator
        self._problem: str | None = None
        self._lock = asyncio.Lock()

    @property
    def problem(self) -> str | None:
        """Why the generator could not be built, once that was tried."""
        return self._problem

    async def get(self) -> Generator | None:
        """The generator, loading it the first time (off the event loop); None if it cannot load."""
        if self._generator is not None or self._problem is not None:
            return self._generator
        async with self._lock:
            if self._generator is None and self._problem is None:
                from actions.generation.factory import build_generator  # loads llama.cpp only when used

                settings = self._settings or GeneratorSettings()
                try:
                    self._generator = await asyncio.to_thread(build_generator, settings)
                except ModelUnavailable as error:
                    self._problem = str(error)
                    logger.warning("offer copy: no generator (%s); templates only", error)
        return self._generator


def draft_messages(facts: OfferFacts, description: str, style: str) -> tuple[ChatMessage, ...]:
    """The prompt of one draft: fixed instructions, the customers and the style; the offer to rewrite."""
    system = "\n".join([*INSTRUCTIONS, f"It is for {description}. {style}"])
    return (ChatMessage("system", system), ChatMessage("user", facts.message))


def complete_sentences(text: str) -> str:
    """The text up to its last complete sentence: a draft cut off by the token budget ends mid-word."""
    text = " ".join(text.split())
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]] if ends else text


class CopyDrafter:
    """Drafts offer copy for segments: generated drafts first, checked; templates when none passes."""

    def __init__(
        self,
        generator: LazyGenerator,
        templates: CopyTemplates | None = None,
        deadline_s: float = DRAFT_DEADLINE_S,
    ) -> None:
        """Use ``generator`` (loaded on first use) and the wordings of ``copy_templates.yml``."""
        self._generator = generator
        self._templates = templates or load_templates()
        self._deadline_s = deadline_s

    async def draft(
        self, facts: OfferFacts, checker: CopyChecker, segment_id: str, segment_label: str, description: str,
        count: int = DEFAULT_DRAFTS,
    ) -> SegmentDrafts:  # fmt: skip
        """Up to ``count`` checked drafts for one segment; templates too when no generated draft passes."""
        count = max(1, min(count, MAX_DRAFTS))
        generated, note = await self._generate(facts, description, count)
        drafts = []
        for text in generated:
            verdict = checker.check(text, description)
            drafts.append(Draft(text=text, source="generated", ok=verdict.ok, reasons=verdict.reasons))
        passed = sum(d.ok for d in drafts)
        if not passed:
            note = note or "No generated draft passed the checks: fill-in templates are offered instead."
            for text in self._templates.fill(facts, description, count):
                verdict = checker.check(text, description)
                if verdict.ok:
                    drafts.append(Draft(text=text, source="template", ok=True))
                else:  # a template the offer's own facts cannot support (e.g. odd wording): say so in logs
                    logger.warning("offer copy template refused for %s: %s", facts.rule_id, verdict.reasons)
        return SegmentDrafts(
            segment_id=segment_id,
            segment_label=segment_label,
            description=description,
            drafts=drafts,
            generated=len(generated),
            generated_ok=passed,
            note=note,
        )

    async def _generate(self, facts: OfferFacts, description: str, count: int) -> tuple[list[str], str]:
        generator = await self._generator.get()
        if generator is None:
            return [], f"The text generator is not available ({self._generator.problem}): templates only."
        texts: list[str] = []
        failures = 0
        for style in STYLES[:count]:
            request = GenerationRequest(
                messages=draft_messages(facts, description, style),
                max_new_tokens=DRAFT_MAX_NEW_TOKENS,
                deadline_s=self._deadline_s,
                max_sentences=2,
            )
            started = time.monotonic()
            try:
                generation = await generator.generate(request)
            except GenerationFailed as error:
                failures += 1
                logger.info(
                    "offer copy draft for %s failed after %.1f s: %s",
                    facts.rule_id,
                    time.monotonic() - started,
                    error,
                )
                continue
            text = complete_sentences(generation.text)
            if text:
                texts.append(text)
        note = f"{failures} of {count} drafts were not written in time." if failures else ""
        return list(dict.fromkeys(texts)), note  # two styles can give the same draft: count it once
