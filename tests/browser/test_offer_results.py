"""A marketer reads an offer's results: the recommendation in words, per segment, and the table behind it.

The exposures and acceptances are made by the product's own offer engine on the
stack's Redis (``OfferEngine.decide`` / ``record_accept``: the bandit's counters and
the offers ledger), for customers of two segments of the stack's demo segmentation.
Half the customers shown the offer then buy, nobody in the control group does, and the
outcomes job tallies it (``compute_outcomes``, a week later), so the uplift is credible.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from playwright.sync_api import BrowserContext, expect
from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.events import read_events
from actions.offers.outcomes import compute_outcomes
from actions.offers.store import RuleStore
from actions.offers.validation import parse_rule
from tests.browser.conftest import BROWSER_REDIS_URL, MARKETER, screenshot, sign_in
from tests.unit.web.marketing.offer_history import Outcomes, play
from web.marketing.segments_view import segments_overview

RULE_ID = "browser-results"
RULE_CHANNEL = "results-browser-test"  # no real conversation uses it: the widget tests never see this offer
RULE: dict[str, object] = {
    "id": RULE_ID,
    "name": "Results browser test",
    "kind": "upsell",
    "priority": 1000,  # tried before any demo rule the simulated customers might match
    "conditions": {"channels": [RULE_CHANNEL]},
    "allocation": "weighted",
    "control_share": 0.1,
    "variants": [
        {
            "id": "ten-percent",
            "message": "BROWSER RESULTS: 10% off with THANKS10.",
            "discount_code": "THANKS10",
        },
        {
            "id": "free-express",
            "message": "BROWSER RESULTS: free express with VIPSHIP.",
            "discount_code": "VIPSHIP",
        },
    ],
}


T = TypeVar("T")


def _run(work: Coroutine[Any, Any, T]) -> T:
    # Playwright's sync API keeps an event loop running in this thread: run ours in another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _seed() -> tuple[dict[str, str], Outcomes, Outcomes]:
    redis = Redis.from_url(BROWSER_REDIS_URL)
    keys = Keys("cs")
    try:
        overview, _ = await segments_overview(redis, keys)
        labels = {str(s.id): s.label for s in overview.segments}
        assert len(labels) >= 2, "the stack's demo segmentation has at least two segments"
        await RuleStore(redis, keys).create(parse_rule(RULE), "browser-test")
        clear = await play(
            redis, keys, "0", 400, {"ten-percent": 0.04, "free-express": 0.3}, seed=21, channel=RULE_CHANNEL
        )
        early = await play(
            redis, keys, "1", 30, {"ten-percent": 0.1, "free-express": 0.1}, seed=22, channel=RULE_CHANNEL
        )
        for event in await read_events(redis, keys, count=100_000):
            if (
                event.rule == RULE_ID
                and event.type == "exposure"
                and event.customer.endswith(("0", "2", "4", "6", "8"))
            ):
                await redis.zadd(
                    keys.customer_orders(event.customer), {f"browser-{event.customer}": event.ts + 3600}
                )
        await compute_outcomes(redis, keys, now=time.time() + 8 * 86400)  # every customer's week is over
        return labels, clear, early
    finally:
        await redis.aclose()


async def _remove() -> None:
    redis = Redis.from_url(BROWSER_REDIS_URL)
    try:
        await RuleStore(redis, Keys("cs")).delete(RULE_ID, "browser-test")
    finally:
        await redis.aclose()


def test_a_marketer_sees_the_recommendation_and_the_results_table(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    labels, clear, early = _run(_seed())
    try:
        page = new_context().new_page()
        sign_in(page, base_url, MARKETER, "/marketing/dashboard")
        card = page.get_by_test_id(f"results-rule-{RULE_ID}")
        expect(card).to_be_visible()
        advice = card.get_by_test_id("results-recommendation")
        # The winner, then the uplift in purchases once it is credible.
        expect(advice.filter(has_text=f"for the segment “{labels['0']}”")).to_contain_text(
            f"Variant free-express is best for the segment “{labels['0']}” with over 99.9% probability; "
            f"retire ten-percent. For the segment “{labels['0']}”, customers shown the offer bought "
        )
        expect(advice.filter(has_text=f"for the segment “{labels['1']}”")).to_contain_text(
            "Not enough evidence yet"
        )
        uplift = card.get_by_test_id("results-uplift")
        expect(uplift).to_contain_text("Overall, customers shown the offer bought")
        expect(uplift).to_contain_text("points more often than the control group within 7 days")
        expect(uplift).to_contain_text("probability the offer helps")
        expect(advice.first).to_contain_text("customers shown the offer bought")  # in the recommendation
        expect(card.get_by_test_id("results-uplift-segment").filter(has_text=labels["1"])).to_contain_text(
            "Not enough customers yet for uplift in the segments"
        )
        card.get_by_text("Show the purchases after the offer as a table").click()
        control_row = card.get_by_test_id("results-uplift-row").filter(has_text="control group").first
        expect(control_row.locator("td").nth(1)).to_have_text(f"{clear.controls + early.controls:,}")

        card.get_by_text("Show the data as a table").click()
        rows = card.get_by_test_id("results-table").get_by_test_id("results-row")
        expect(rows).to_have_count(6)  # two variants: all customers, then each of the two segments
        # The segment's first row names it; the exposures are the ones the engine made.
        first = rows.filter(has_text=labels["0"])
        expect(first).to_have_count(1)
        cells = first.locator("td")
        expect(cells.nth(0)).to_have_text("ten-percent")
        expect(cells.nth(1)).to_have_text(f"{clear.shown['ten-percent']:,}")
        screenshot(page, "marketer-offer-results")

    finally:
        _run(_remove())
