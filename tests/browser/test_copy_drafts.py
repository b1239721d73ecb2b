"""A marketer drafts offer copy for a segment, sees why a draft is refused, edits, approves: a live variant.

The drafts come from the embedded model in the web app (loaded on the first draft);
whatever it writes, every draft shows its verdict, and a refused one its reasons. An
edit that invents a discount is refused with the reason, the corrected one is saved
as a new rule version whose new variant only that segment's customers can get.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from playwright.sync_api import BrowserContext, expect
from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.context import OfferContext
from actions.offers.engine import OfferEngine
from actions.offers.rules import OfferRule
from actions.offers.store import RuleStore
from actions.segments.storage import load_model, load_segments
from tests.browser.conftest import BROWSER_REDIS_URL, MARKETER, screenshot, sign_in

RULE = "apology-voucher"
INVENTED = "We're sorry! Take 25% off your next order with the code SORRY15."
FIXED = "We're sorry for the trouble: take 15% off your next order with the code SORRY15."
T = TypeVar("T")
DRAFTING_TIMEOUT_MS = 180_000  # loads the model, then three drafts on a shared 2-core machine


async def _segments() -> list[tuple[str, str]]:
    redis = Redis.from_url(BROWSER_REDIS_URL)
    try:
        keys = Keys("cs")
        model = await load_model(redis, keys)
        assert model is not None, "the stack's seed segments the demo customers"
        return [(str(s.id), s.label) for s in await load_segments(redis, keys, model)]
    finally:
        await redis.aclose()


async def _shown_variants(label: str, other_label: str) -> tuple[set[str], set[str], list[str]]:
    """Variants unhappy customers of the segment, and of another one, are offered by the rules in force."""
    redis = Redis.from_url(BROWSER_REDIS_URL)
    try:
        keys = Keys("cs")
        _, rules = await RuleStore(redis, keys).current_rules()
        rule = rules.get(RULE)
        assert rule is not None
        engine = OfferEngine(redis, keys, rng=random.Random(11))
        seen: dict[str, set[str]] = {label: set(), other_label: set()}
        for n in range(40):
            for segment_label in seen:
                context = OfferContext(
                    conversation_id=f"copy-drafts-{segment_label}-{n}",
                    customer_id=f"copy-drafts-{segment_label}-{n}",
                    segment_label=segment_label,
                    emotion="anger",
                    sentiment=-0.8,
                )
                decision = await engine.decide(context)
                if decision.offer is not None and decision.offer.rule_id == RULE:
                    seen[segment_label].add(decision.offer.variant_id)
        return seen[label], seen[other_label], [v.id for v in rule.variants if v.segments]
    finally:
        await redis.aclose()


def test_a_marketer_drafts_copy_for_a_segment_and_approves_it_as_a_live_variant(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    segments = _in_thread(_segments())
    (segment_id, label), (_, other_label) = segments[0], segments[1]
    page = new_context().new_page()
    sign_in(page, base_url, MARKETER, "/marketing")
    page.get_by_test_id(f"rule-edit-{RULE}").click()
    drafts = page.get_by_test_id("drafts")
    expect(drafts).to_be_visible()
    drafts.get_by_test_id("drafts-variant").select_option("percent-off")
    drafts.get_by_test_id(f"drafts-segment-{segment_id}").check()
    drafts.get_by_test_id("drafts-run").click()

    group = page.get_by_test_id(f"drafts-for-{segment_id}")
    expect(group).to_be_visible(timeout=DRAFTING_TIMEOUT_MS)
    items = group.get_by_test_id("draft")
    expect(items.first).to_be_visible()
    # Every draft says where it comes from and whether it passed; a refused one says why.
    for index in range(items.count()):
        item = items.nth(index)
        source = item.get_attribute("data-source")
        assert source in ("generated", "template")
        expect(item.get_by_test_id("draft-source")).to_have_text(source)
        if item.get_attribute("data-ok") == "false":
            expect(item.get_by_test_id("draft-verdict")).to_have_text("refused")
            expect(item.get_by_test_id("draft-reasons").locator("li").first).to_be_visible()
    assert group.locator("[data-ok=true]").count() >= 1, "a passing draft or a template is always offered"
    screenshot(page, "marketer-copy-drafts")

    # An edit that invents a bigger discount is refused as the marketer types, and again on approval.
    first = items.first
    first.get_by_test_id("draft-text").fill(INVENTED)
    expect(first.get_by_test_id("draft-verdict")).to_have_text("refused")
    expect(first.get_by_test_id("draft-reasons")).to_contain_text("mentions 25% but the rule gives 15%")
    first.get_by_test_id("draft-approve").check()
    group.get_by_test_id("drafts-approve").click()
    expect(group.get_by_test_id("drafts-error")).to_contain_text(
        "Draft 1: mentions 25% but the rule gives 15%"
    )
    _, unchanged = _rules()
    assert all(not v.segments for v in unchanged.variants)

    first.get_by_test_id("draft-text").fill(FIXED)
    expect(first.get_by_test_id("draft-verdict")).to_have_text("passes the checks")
    group.get_by_test_id("drafts-approve").click()
    expect(page.get_by_test_id("drafts-status")).to_contain_text("saved as version")

    # The new version shows the variant, for that segment, with the marketer as its author.
    row = page.get_by_test_id(f"rule-row-{RULE}")
    expect(row).to_contain_text(f"(for {label})")
    expect(page.get_by_test_id("version-list").locator("tbody tr").first).to_contain_text(MARKETER.username)
    screenshot(page, "marketer-copy-approved")
    version, rule = _rules()
    added = [v for v in rule.variants if v.segments]
    assert [(v.message, v.segments, v.discount_code) for v in added] == [(FIXED, [label], "SORRY15")]

    # Live: the bandit offers it to unhappy customers of that segment, never to another segment's.
    mine, others, segmented = _in_thread(_shown_variants(label, other_label))
    assert segmented == [added[0].id]
    assert added[0].id in mine
    assert added[0].id not in others and others
    assert version > 0


async def _rules_async() -> tuple[int, OfferRule]:
    redis = Redis.from_url(BROWSER_REDIS_URL)
    try:
        version, rules = await RuleStore(redis, Keys("cs")).current_rules()
        rule = rules.get(RULE)
        assert rule is not None
        return version, rule
    finally:
        await redis.aclose()


def _rules() -> tuple[int, OfferRule]:
    """The version in force and the rule, as the action server reads them."""
    return _in_thread(_rules_async())


def _in_thread(work: Coroutine[Any, Any, T]) -> T:
    # Playwright's sync API runs an event loop in this thread: async Redis work gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()
