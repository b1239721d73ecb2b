"""Driving the chat widget (inside its shadow root) from a test, as a customer would."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Locator, Page, expect

SESSION_KEY = "brightcart.widget.session"
REPLY_TIMEOUT_S = 30


def open_widget(page: Page, url: str) -> None:
    """Load the store page and open the chat panel."""
    page.goto(url)
    page.get_by_test_id("widget-launcher").click()
    expect(page.get_by_test_id("widget-input")).to_be_visible()
    expect(page.get_by_test_id("widget-send")).to_be_enabled(timeout=15_000)


def conversation_id(page: Page) -> str:
    """The widget's session id: Rasa's conversation id."""
    return json.loads(page.evaluate(f"localStorage.getItem({SESSION_KEY!r})"))["id"]


def bot_messages(page: Page) -> Locator:
    return page.get_by_test_id("msg-bot")


def say(page: Page, text: str, expect_reply: bool = True) -> str:
    """Type a message and send it with Enter; return the text of the bot's new messages."""
    before = bot_messages(page).count()
    page.get_by_test_id("widget-input").fill(text)
    page.get_by_test_id("widget-input").press("Enter")
    expect(page.get_by_test_id("msg-user").last).to_contain_text(text[:40])
    if not expect_reply:
        return ""
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while bot_messages(page).count() <= before:
        assert time.monotonic() < deadline, f"no bot reply to {text!r}"
        page.wait_for_timeout(100)
    page.wait_for_timeout(600)  # a reply can come as several messages
    return "\n".join(
        bot_messages(page).nth(i).inner_text() for i in range(before, bot_messages(page).count())
    )
