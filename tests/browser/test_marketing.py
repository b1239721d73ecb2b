"""A marketer creates a rule in the console; the next matching customer sees the offer in the widget."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import MARKETER, screenshot, sign_in
from tests.browser.widget import open_widget, say

OFFER = "BROWSER TEST: camping week, 15% off tents and stoves with the code CAMP15."
RULE_YAML = f"""
id: browser-camping-week
name: Camping week for anyone asking for ideas
kind: upsell
priority: 900
conditions:
  intents: [ask_recommendation]
variants:
  - id: only
    message: "{OFFER}"
    discount_code: CAMP15
"""
BAD_RULE_YAML = RULE_YAML.replace('message: "' + OFFER + '"', 'message: ""')


def test_a_rule_made_in_the_console_reaches_the_next_matching_customer(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    marketer = new_context().new_page()
    sign_in(marketer, base_url, MARKETER, "/marketing")
    expect(marketer.get_by_test_id("rule-list")).to_be_visible()
    marketer.get_by_test_id("rule-new").click()
    marketer.get_by_test_id("rule-mode-yaml").click()

    # A bad rule is refused with the field named next to the editor.
    marketer.get_by_test_id("rule-yaml").fill(BAD_RULE_YAML)
    marketer.get_by_test_id("rule-save").click()
    expect(marketer.get_by_test_id("rule-error")).to_contain_text("message")
    expect(marketer.get_by_test_id("rule-row-browser-camping-week")).to_have_count(0)

    marketer.get_by_test_id("rule-yaml").fill(RULE_YAML)
    marketer.get_by_test_id("rule-save").click()
    expect(marketer.get_by_test_id("rule-row-browser-camping-week")).to_be_visible()
    screenshot(marketer, "marketer-rules")
    marketer.goto(f"{base_url}/marketing/dashboard")
    expect(marketer.get_by_test_id("chart-segments")).to_be_visible()

    customer = new_context().new_page()
    open_widget(customer, f"{base_url}/")
    assert OFFER in say(customer, "can you recommend something?")
    marketer.reload()
    expect(marketer.get_by_test_id("chart-exposures")).to_be_visible()
    screenshot(marketer, "marketer-dashboard")
