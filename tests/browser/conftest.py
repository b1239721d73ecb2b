"""The whole assistant in a real browser: Debian's chromium driven by Playwright.

The stack (Redis db 13, its own ports) is the real one: Rasa server, action server,
web app. Screenshots of each screen go to artifacts/screens/ (never committed).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from stack.assistant import Assistant
from stack.config import ROOT
from tests.scratch_stack import scratch_stack
from web.accounts.users import UserStore

BROWSER_REDIS_URL = os.environ.get("BROWSER_REDIS_URL", "redis://127.0.0.1:6379/13")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENS = ROOT / "artifacts" / "screens"
# Two agents, a marketer: test accounts of this database only.
PASSWORD = "browser-test-password"


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str


AGENT = Account("sam.lee", "Sam Lee", "agent")
OTHER_AGENT = Account("kim.park", "Kim Park", "agent")
MARKETER = Account("mia.ross", "Mia Ross", "marketer")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    data_dir = tmp_path_factory.mktemp("browser-stack")
    with scratch_stack(BROWSER_REDIS_URL, "BROWSER", (16005, 16055, 19080), data_dir) as running:
        asyncio.run(_create_accounts())
        yield running


async def _create_accounts() -> None:
    redis = AsyncRedis.from_url(BROWSER_REDIS_URL)
    try:
        users = UserStore(redis, Keys("cs"))
        for account in (AGENT, OTHER_AGENT, MARKETER):
            await users.create(account.username, account.display_name, account.role, PASSWORD)
    finally:
        await redis.aclose()


@pytest.fixture(scope="session")
def base_url(stack: Assistant) -> str:
    return stack.web_url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make setup` (it installs Debian's chromium)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    yield browser
    browser.close()


# Every page reports what its Content-Security-Policy blocked as a console error with this prefix.
CSP_REPORT = """document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});"""


@dataclass
class CspViolations:
    """Console messages of the test's pages that say the CSP blocked something (expected ones removed)."""

    messages: list[str]

    def take(self) -> list[str]:
        """Hand over the messages seen so far (a test that provokes a violation clears it this way)."""
        taken, self.messages[:] = list(self.messages), []
        return taken


@pytest.fixture
def csp_violations() -> CspViolations:
    return CspViolations([])


@pytest.fixture
def new_context(browser: Browser, csp_violations: CspViolations) -> Iterator[Callable[..., BrowserContext]]:
    """Open separate browser contexts (separate cookies and storage), closed after the test.

    The test fails if any page of theirs reported a Content-Security-Policy violation: the
    pages load nothing the policy does not allow.
    """
    opened: list[BrowserContext] = []

    def open_context(**options: object) -> BrowserContext:
        context = browser.new_context(**options)
        context.add_init_script(CSP_REPORT)
        context.on("console", lambda message: _note_csp(csp_violations, message.text))
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()
    assert csp_violations.messages == [], "the Content-Security-Policy blocked something"


def _note_csp(violations: CspViolations, text: str) -> None:
    if text.startswith("CSP violation") or "Content Security Policy" in text:
        violations.messages.append(text)


def sign_in(page: Page, base_url: str, account: Account, next_path: str = "") -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{base_url}/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"{account.display_name} ({account.role})")).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    """Save a screenshot of the screen as a test artefact."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
