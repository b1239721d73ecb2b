"""Each role sees its own console only: a marketer cannot act as an agent, an agent cannot edit rules."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import AGENT, MARKETER, screenshot, sign_in

POST_JSON = """async ([path, body]) => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const headers = {"Content-Type": "application/json", "X-CSRF-Token": token};
  const r = await fetch(path, {method: "POST", headers, body: JSON.stringify(body)});
  return r.status;
}"""


def _status(page: Page, path: str) -> int:
    return page.evaluate("async (path) => (await fetch(path)).status", path)


def test_a_marketer_cannot_open_the_agent_console_or_its_actions(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    sign_in(page, base_url, MARKETER, "/marketing")
    response = page.goto(f"{base_url}/agent")
    assert response is not None and response.status == 403
    expect(page.get_by_role("link", name="Conversations")).to_have_count(0)
    assert _status(page, "/api/agent/queue") == 403
    page.goto(f"{base_url}/marketing")
    assert page.evaluate(POST_JSON, ["/api/agent/conversations/anything/claim", {}]) == 403
    assert page.evaluate(POST_JSON, ["/api/agent/conversations/anything/reply", {"text": "hi"}]) == 403


def test_an_agent_cannot_edit_offer_rules(base_url: str, new_context: Callable[..., BrowserContext]) -> None:
    page = new_context().new_page()
    sign_in(page, base_url, AGENT, "/agent")
    screenshot(page, "agent-console-queue")
    response = page.goto(f"{base_url}/marketing")
    assert response is not None and response.status == 403
    page.goto(f"{base_url}/agent")
    assert _status(page, "/api/marketing/rules") == 403
    assert page.evaluate(POST_JSON, ["/api/marketing/rules", {"id": "x"}]) == 403


def test_signed_out_visitors_are_sent_to_sign_in_and_a_forged_request_is_refused(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    page.goto(f"{base_url}/agent")
    expect(page).to_have_url(f"{base_url}/login?next=%2Fagent")
    screenshot(page, "sign-in")
    assert _status(page, "/api/agent/queue") == 401
    # Signed in, but without the CSRF token: refused.
    sign_in(page, base_url, AGENT, "/agent")
    status = page.evaluate(
        "async () => (await fetch('/api/agent/conversations/x/claim', {method: 'POST'})).status"
    )
    assert status == 403
