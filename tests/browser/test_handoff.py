"""A customer grows angry in the widget; an agent takes over in the console and hands back."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect
from redis import Redis

from stack.assistant import Assistant
from tests.browser.conftest import AGENT, BROWSER_REDIS_URL, OTHER_AGENT, screenshot, sign_in
from tests.browser.widget import conversation_id, open_widget, say

# The escalation policy's growing anger (tests/integration/test_escalation.py).
GROWING_ANGER = [
    "hmm, it still hasn't arrived",
    "still nothing. this is annoying",
    "you guys are useless, I'm so angry",
]
INJECTION = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def _order_in_transit() -> dict:
    redis = Redis.from_url(BROWSER_REDIS_URL, decode_responses=True)
    for order_id in sorted(redis.smembers("cs:store:order_ids"), reverse=True):
        order = json.loads(redis.get(f"cs:store:order:{order_id}"))
        if order["status"] in ("in_transit", "shipped"):
            return order
    raise AssertionError("the demo store has no order in transit")


def _open_console(context: BrowserContext, base_url: str, account, cid: str) -> Page:
    page = context.new_page()
    sign_in(page, base_url, account, "/agent")
    item = page.get_by_test_id(f"queue-item-{cid}")
    expect(item).to_be_visible(timeout=10_000)
    item.click()
    expect(page.get_by_test_id("conv-id")).to_have_text(cid)
    return page


def test_agent_takes_over_an_angry_customer_and_hands_back(
    stack: Assistant, base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    order = _order_in_transit()
    customer = new_context(viewport={"width": 390, "height": 844}).new_page()
    open_widget(customer, f"{base_url}/")
    assert "order number" in say(customer, "where is my order?")
    say(customer, order["id"])
    assert order["tracking_number"] in say(customer, order["email"])
    for text in GROWING_ANGER[:-1]:
        say(customer, text)
    assert "a person will follow up" in say(customer, GROWING_ANGER[-1])
    cid = conversation_id(customer)

    # The conversation is in the queue with its reason; the agent claims it.
    agent = _open_console(new_context(), base_url, AGENT, cid)
    expect(agent.get_by_test_id("transcript")).to_contain_text("you guys are useless")
    agent.get_by_test_id("claim").click()
    expect(agent.get_by_test_id("conv-owner")).to_have_text("You have this conversation.")
    expect(customer.get_by_test_id("notice").last).to_contain_text("Sam Lee from our team has joined")

    # A second agent sees who has it and cannot reply.
    other = _open_console(new_context(), base_url, OTHER_AGENT, cid)
    expect(other.get_by_test_id("conv-owner")).to_have_text("Sam Lee has this conversation.")
    expect(other.get_by_test_id("reply-text")).to_be_disabled()
    expect(other.get_by_test_id("claim")).to_be_hidden()

    # The customer's messages reach the console live, as text: markup stays inert.
    say(customer, "hello? is someone there?", expect_reply=False)
    expect(agent.get_by_test_id("transcript")).to_contain_text("hello? is someone there?", timeout=5_000)
    say(customer, INJECTION, expect_reply=False)
    expect(agent.get_by_test_id("transcript")).to_contain_text(INJECTION, timeout=5_000)
    expect(customer.get_by_test_id("msg-user").last).to_contain_text(INJECTION)
    assert agent.evaluate("window.__xss") is None and customer.evaluate("window.__xss") is None

    # The agent's reply reaches the widget, marked as from a person.
    agent.get_by_test_id("reply-text").fill(
        "Hi, I'm Sam. Your parcel is with the carrier; I've asked them to hurry."
    )
    agent.get_by_test_id("reply-send").click()
    expect(customer.get_by_test_id("msg-agent").last).to_contain_text(
        "I've asked them to hurry", timeout=5_000
    )
    expect(customer.get_by_test_id("msg-agent").last).to_contain_text("Sam Lee")
    screenshot(customer, "widget-with-agent")
    screenshot(agent, "agent-console")

    # Hand back: the bot carries on with its slots (the order and e-mail it already has).
    agent.get_by_test_id("handback").click()
    expect(customer.get_by_test_id("notice").last).to_contain_text("handed you back", timeout=5_000)
    expect(agent.get_by_test_id(f"queue-item-{cid}")).to_be_hidden(timeout=5_000)
    assert f"#{order['id']}" in say(customer, "ok, so where is my order now?")


def test_closing_with_a_note_ends_the_takeover_and_the_widget_asks_for_a_rating(
    stack: Assistant, base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    customer = new_context().new_page()
    open_widget(customer, f"{base_url}/")
    assert "a person will follow up" in say(customer, "can I talk to a real person please")
    cid = conversation_id(customer)
    agent = _open_console(new_context(), base_url, AGENT, cid)
    agent.get_by_test_id("claim").click()
    expect(customer.get_by_test_id("notice").last).to_contain_text("has joined")

    # A note is required; then the conversation leaves the queue and the bot asks for CSAT.
    agent.get_by_test_id("close").click()
    expect(agent.get_by_role("alert")).to_contain_text("resolution note")
    agent.get_by_test_id("close-note").fill("Customer wanted a delivery date; gave the carrier's estimate.")
    agent.get_by_test_id("close").click()
    expect(agent.get_by_test_id("conv-owner")).to_have_text("This conversation is closed.")
    expect(agent.get_by_test_id(f"queue-item-{cid}")).to_be_hidden()
    expect(customer.get_by_test_id("csat")).to_be_visible(timeout=15_000)
    customer.get_by_test_id("csat").get_by_role("button").last.click()
    expect(customer.get_by_test_id("msg-bot").last).to_contain_text(
        "Thank you for your feedback", timeout=15_000
    )
    record = Redis.from_url(BROWSER_REDIS_URL, decode_responses=True).hget(f"cs:handoff:{cid}", "closed")
    assert record is not None and json.loads(record)["agent"] == AGENT.username
