"""Drafts per segment: generated ones checked, marked templates when none passes, the model loaded lazily."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.generation.base import Generation, GenerationRequest, GenerationTimedOut
from actions.generation.config import GeneratorSettings
from actions.offers.copy_drafts import CopyDrafter, LazyGenerator, complete_sentences, describe_segment
from actions.offers.copy_templates import load_templates
from actions.offers.rules import OfferRule
from actions.segments.models import Segment
from tests.unit.offers.copy_fixtures import APOLOGY, CHARGER, checker_of, facts_of

LAPSED = "lapsed, occasional customers"
REGULARS = "frequent, high-value, recently active customers"


class ScriptedGenerator:
    name = "scripted"

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[GenerationRequest] = []

    async def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return Generation(reply, self.name, 10, 0.01)


def _drafter(*replies: str | Exception) -> tuple[CopyDrafter, ScriptedGenerator]:
    generator = ScriptedGenerator(*replies)
    return CopyDrafter(LazyGenerator(generator=generator)), generator


async def test_each_draft_is_checked_and_a_refused_one_says_why() -> None:
    drafter, generator = _drafter(
        "We've missed you! Take 15% off your next order with the code SORRY15.",
        "Come back for 25% off with the code SORRY15.",
        "Welcome back: use SORRY15 for 15% off your next order, today only.",
    )
    result = await drafter.draft(facts_of(APOLOGY), checker_of(APOLOGY), "2", "lapsed, occasional", LAPSED)
    assert [d.ok for d in result.drafts] == [True, False, False]
    assert {d.source for d in result.drafts} == {"generated"}
    assert "mentions 25% but the rule gives 15%" in result.drafts[1].reasons
    assert "promises “today only”, which the rule does not say" in result.drafts[2].reasons
    assert (result.generated, result.generated_ok) == (3, 1)
    # One style per draft, the segment in words and the rule's facts in every prompt.
    systems = [r.messages[0].content for r in generator.requests]
    assert len(set(systems)) == 3 and all(LAPSED in s for s in systems)
    assert all(r.messages[1].content == facts_of(APOLOGY).message for r in generator.requests)


async def test_templates_marked_as_such_are_offered_when_no_generated_draft_passes() -> None:
    drafter, _ = _drafter("Big savings on everything!", GenerationTimedOut("late"), "25% off today.")
    result = await drafter.draft(facts_of(APOLOGY), checker_of(APOLOGY), "2", "lapsed", LAPSED)
    generated = [d for d in result.drafts if d.source == "generated"]
    templates = [d for d in result.drafts if d.source == "template"]
    assert len(generated) == 2 and not any(d.ok for d in generated)
    assert len(templates) == 3 and all(d.ok for d in templates)
    assert "1 of 3 drafts were not written in time." in result.note
    assert all("SORRY15" in d.text and "15%" in d.text for d in templates)


async def test_without_a_model_the_marketer_gets_templates_and_the_reason() -> None:
    missing = GeneratorSettings(embedded_model_file=Path("/nonexistent/model.gguf"))
    drafter = CopyDrafter(LazyGenerator(settings=missing))
    result = await drafter.draft(facts_of(CHARGER), checker_of(CHARGER), "0", "frequent", REGULARS)
    assert result.generated == 0
    assert result.drafts and all(d.source == "template" and d.ok for d in result.drafts)
    assert "not available" in result.note and "templates only" in result.note


def test_template_tone_follows_the_segments_description() -> None:
    templates = load_templates()
    assert templates.tone_for(LAPSED).name == "win_back"
    assert templates.tone_for(REGULARS).name == "thankful"
    assert templates.tone_for("new, low-spend customers").name == "welcome"
    assert templates.tone_for("renewed interest").name == "neutral"  # whole words only


def test_templates_are_filled_from_the_rules_facts_in_several_wordings() -> None:
    wordings = load_templates().fill(facts_of(APOLOGY), LAPSED, 3)
    assert len(set(wordings)) == 3
    assert any("Take 15% off your next order with the code SORRY15." in w for w in wordings)
    # The charger offer has a product, a price and an end date; no percentage or code to fill in.
    charger = load_templates().fill(facts_of(CHARGER), REGULARS, 3)
    assert any("The Kestrel USB-C Charger Classic is $19.99." in w for w in charger)
    assert any("The offer runs until 24 December." in w for w in charger)
    assert not any("{" in w or "%" in w for w in charger)


@pytest.mark.parametrize("rule", [APOLOGY, CHARGER])
def test_every_tones_templates_pass_the_checks(rule: OfferRule) -> None:
    templates = load_templates()
    for tone in templates.tones:
        description = f"{tone.words[0] if tone.words else 'all'} customers"
        for wording in templates.fill(facts_of(rule), description, len(tone.openers)):
            assert checker_of(rule).check(wording, description).ok, wording


def test_a_draft_cut_off_by_the_token_budget_keeps_its_complete_sentences() -> None:
    assert complete_sentences("Take 15% off with SORRY15. We hope to see") == "Take 15% off with SORRY15."
    assert complete_sentences("No full stop at all") == "No full stop at all"


def test_a_segment_is_described_in_words() -> None:
    segment = Segment(
        id=1, label="frequent, high-value", traits=["frequent"], size=10, share=0.27,
        centroid={}, top_categories=["electronics"], model_version="v1",
    )  # fmt: skip
    # No figures: the model would copy "27%" into the offer.
    assert describe_segment(segment) == "frequent, high-value customers, who mostly buy electronics"
