"""The consoles and the demo store under their Content-Security-Policy, in a real browser."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import AGENT, CspViolations, sign_in

INJECT_INLINE_SCRIPT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.__injected = 1";
  document.body.append(script);
  return window.__injected === undefined;
}"""


def test_the_policy_blocks_injected_inline_script_and_the_console_still_works(
    base_url: str, new_context: Callable[..., BrowserContext], csp_violations: CspViolations
) -> None:
    page = new_context().new_page()
    sign_in(page, base_url, AGENT, "/agent")
    response = page.goto(f"{base_url}/agent")
    assert response is not None
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"
    # The bundled script runs under the policy: the live feed connects.
    expect(page.get_by_test_id("live-status")).to_have_text("Live", timeout=10_000)
    assert csp_violations.take() == []
    assert page.evaluate(INJECT_INLINE_SCRIPT), "an injected inline script ran"
    page.wait_for_timeout(300)
    # The check that every browser test makes would have caught it.
    assert any("script-src" in message for message in csp_violations.take())


def test_the_demo_store_page_loads_its_stylesheet_and_the_widget_connects_under_the_policy(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    response = page.goto(f"{base_url}/")
    assert response is not None and "connect-src" in response.headers["content-security-policy"]
    # The store's own stylesheet applied (it is a file now, not an inline <style>).
    expect(page.locator("body")).to_have_css("background-color", "rgb(250, 248, 244)")
    page.get_by_test_id("widget-launcher").click()
    expect(page.get_by_test_id("widget-status")).to_have_text("Connected", timeout=15_000)
