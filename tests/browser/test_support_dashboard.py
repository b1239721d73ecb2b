"""The support lead's view: a real takeover (claim, reply, close, rating) shows in its figures and tables."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from stack.assistant import Assistant
from tests.browser.conftest import (
    AGENT,
    BROWSER_REDIS_URL,
    MARKETER,
    OTHER_AGENT,
    PASSWORD,
    Account,
    screenshot,
    sign_in,
)
from tests.browser.widget import conversation_id, open_widget, say
from web.accounts.users import UserStore

LEAD = Account("lee.lead", "Lee Lead", "admin")
AGENT_COLUMNS = ("agent", "first_replies", "first_reply", "handled", "handle", "closed", "recontacts", "csat")


@pytest.fixture(scope="module")
def lead(stack: Assistant) -> Account:
    async def create() -> None:
        redis = AsyncRedis.from_url(BROWSER_REDIS_URL)
        try:
            users = UserStore(redis, Keys("cs"))
            if await users.get(LEAD.username) is None:
                await users.create(LEAD.username, LEAD.display_name, LEAD.role, PASSWORD)
        finally:
            await redis.aclose()

    # Playwright's sync API runs an event loop in this thread: the account is made in another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, create()).result()
    return LEAD


def _figure(page: Page, name: str) -> str:
    return page.locator(f'[data-testid="team-summary"] [data-figure="{name}"] dd').inner_text()


def _number(text: str) -> int:
    """The figure's first whole number ("3", "1 of 4 (25.0%)")."""
    match = re.search(r"\d+", text.replace(",", ""))
    return int(match.group(0)) if match else 0


def _ratings(text: str) -> int:
    """How many ratings a CSAT figure counts ("4.5 out of 5 (2 ratings)"; "no ratings": 0)."""
    match = re.search(r"\((\d+) ratings?\)", text)
    return int(match.group(1)) if match else 0


def _agent_rows(page: Page) -> dict[str, dict[str, str]]:
    rows = {}
    for row in page.get_by_test_id("table-team-agents").locator("tbody tr").all():
        cells = [cell.inner_text() for cell in row.locator("th, td").all()]
        if len(cells) == len(AGENT_COLUMNS):
            rows[cells[0]] = dict(zip(AGENT_COLUMNS, cells, strict=True))
    return rows


def _open_team(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/agent/team")
    expect(page.get_by_test_id("team-summary").locator("[data-figure]")).to_have_count(7, timeout=10_000)
    expect(page.locator("#mk-status")).to_have_text("")


def _take_over_and_close(base_url: str, new_context: Callable[..., BrowserContext]) -> str:
    customer = new_context().new_page()
    open_widget(customer, f"{base_url}/")
    assert "a person will follow up" in say(customer, "can I talk to a real person please")
    cid = conversation_id(customer)
    agent = new_context().new_page()
    sign_in(agent, base_url, AGENT, "/agent")
    agent.get_by_test_id(f"queue-item-{cid}").click()
    agent.get_by_test_id("claim").click()
    expect(customer.get_by_test_id("notice").last).to_contain_text("has joined")
    agent.get_by_test_id("reply-text").fill("Hi, I'm Sam: let me look into it.")
    agent.get_by_test_id("reply-send").click()
    expect(customer.get_by_test_id("msg-agent").last).to_contain_text("let me look into it", timeout=5_000)
    agent.get_by_test_id("close-note").fill("Answered the customer's question.")
    agent.get_by_test_id("close").click()
    expect(agent.get_by_test_id("conv-owner")).to_have_text("This conversation is closed.")
    expect(customer.get_by_test_id("csat")).to_be_visible(timeout=15_000)
    customer.get_by_test_id("csat").get_by_role("button").last.click()  # the best score
    expect(customer.get_by_test_id("msg-bot").last).to_contain_text(
        "Thank you for your feedback", timeout=15_000
    )
    return cid


def test_a_takeover_shows_in_the_team_figures_and_the_agents_row(
    stack: Assistant, base_url: str, new_context: Callable[..., BrowserContext], lead: Account
) -> None:
    page = new_context().new_page()
    sign_in(page, base_url, lead, "/agent/team")
    _open_team(page, base_url)
    handoffs = _number(_figure(page, "Handoffs"))
    rated = _ratings(_figure(page, "CSAT after a person"))
    before = _agent_rows(page).get(AGENT.username, {})

    _take_over_and_close(base_url, new_context)

    _open_team(page, base_url)
    expect(page.locator('[data-figure="Handoffs"] dd')).to_have_text(str(handoffs + 1))
    assert _ratings(_figure(page, "CSAT after a person")) == rated + 1
    assert "median" in _figure(page, "First human reply") and "median" in _figure(page, "Handle time")
    row = _agent_rows(page)[AGENT.username]
    assert int(row["first_replies"]) == int(before.get("first_replies", "0")) + 1
    assert int(row["closed"]) == int(before.get("closed", "0")) + 1
    assert row["csat"] != "–" and row["handle"] != "–"
    # The charts describe what they draw, for those who cannot see them.
    assert "handoffs" in (page.locator("#sp-handoffs-chart").get_attribute("aria-label") or "")
    expect(page.get_by_test_id("table-team-days").locator("tbody tr").first).not_to_contain_text("No data")
    screenshot(page, "support-team")

    # A colleague sees the team's figures but only their own row; a marketer is refused.
    colleague = new_context().new_page()
    sign_in(colleague, base_url, OTHER_AGENT, "/agent/team")
    _open_team(colleague, base_url)
    assert _number(_figure(colleague, "Handoffs")) == handoffs + 1
    assert AGENT.username not in _agent_rows(colleague)
    expect(colleague.locator("#sp-agents-note")).to_contain_text("Your own row")
    marketer = new_context().new_page()
    sign_in(marketer, base_url, MARKETER)
    response = marketer.goto(f"{base_url}/agent/team")
    assert response is not None and response.status == 403
