"""Live hand-off latency, widget size and console first render, in a real browser.

    .venv/bin/python -m benchmarks.consoles [--replies 50] [--redis-url redis://127.0.0.1:6379/12]

Starts the real stack on ports of its own (Redis database 12 by default, flushed),
drives Debian's chromium with Playwright: a customer in the widget asks for a
person, an agent claims the conversation in the console, then

- agent -> widget: the agent sends N replies; each is timed from the moment the
  agent presses Send (``Date.now()`` in the console) to the moment the reply's
  bubble is added to the widget (a MutationObserver in the customer's page);
- customer -> console: the customer sends N messages, timed from pressing Enter in
  the widget to the line being added to the console's transcript.

Both pages run in one browser on this machine, so their clocks are the same.
It also prints the widget's script requests and gzipped size, and the first
contentful paint and load time of each console page.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, Playwright, sync_playwright
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from stack.assistant import Assistant
from stack.config import StackSettings
from web.accounts.users import UserStore

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "benchmark-password"
ACCOUNTS = (("bench.agent", "Bench Agent", "agent"), ("bench.marketer", "Bench Marketer", "marketer"))

# Records when each tagged text first appears under ``root`` (a shadow root or an element).
OBSERVE = """([selector, shadow, pattern]) => {
  const host = document.querySelector(selector);
  const root = shadow ? host.shadowRoot : host;
  window.__seen = {};
  const re = new RegExp(pattern, "g");
  new MutationObserver((records) => {
    const now = Date.now();
    for (const r of records) for (const node of r.addedNodes) {
      for (const m of (node.textContent || "").matchAll(re))
        if (!(m[1] in window.__seen)) window.__seen[m[1]] = now;
    }
  }).observe(root, { childList: true, subtree: true });
}"""


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms, "
        f"max {ordered[-1]:.0f} ms (n={len(ordered)})"
    )


def _wait_seen(page: Page, key: int, timeout_s: float = 10) -> int:
    page.wait_for_function(
        f"() => window.__seen && window.__seen['{key}'] !== undefined", timeout=timeout_s * 1000
    )
    return page.evaluate(f"window.__seen['{key}']")


def _sign_in(page: Page, base: str, username: str, path: str) -> None:
    page.goto(f"{base}/login?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{path}")


async def _accounts(redis_url: str) -> None:
    redis = AsyncRedis.from_url(redis_url)
    try:
        for username, name, role in ACCOUNTS:
            await UserStore(redis, Keys("cs")).create(username, name, role, PASSWORD)
    finally:
        await redis.aclose()


def _first_render(page: Page, url: str) -> str:
    page.goto(url, wait_until="load")
    timing = page.evaluate("""() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return {fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
    }""")
    fcp = f"{timing['fcp']:.0f} ms" if timing["fcp"] is not None else "n/a"
    return (
        f"first contentful paint {fcp}, DOMContentLoaded {timing['dcl']:.0f} ms, load {timing['load']:.0f} ms"
    )


def run(replies: int, redis_url: str) -> None:
    Redis.from_url(redis_url).flushdb()
    settings = StackSettings(redis_url=redis_url, rasa_port=17005, action_port=17055, web_port=20080,
                             data_dir=Path(tempfile.mkdtemp(prefix="bench-consoles-")))  # fmt: skip
    with Assistant(settings) as stack:
        # Before Playwright's sync API starts its own event loop in this thread.
        asyncio.run(_accounts(redis_url))
        with sync_playwright() as playwright:
            _measure(playwright, stack.web_url, replies)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def _measure(playwright: Playwright, base: str, replies: int) -> None:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)

    # The widget: what one page load fetches.
    customer = browser.new_context().new_page()
    scripts: list[str] = []
    customer.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    customer.goto(f"{base}/", wait_until="load")
    body = customer.request.get(f"{base}/widget.js").body()
    print(f"widget: {len(scripts)} script request(s) {scripts}; widget.js {len(body):,} B, "
          f"{len(gzip.compress(body, 6)):,} B gzipped")  # fmt: skip

    customer.locator("#brightcart-widget").get_by_test_id("widget-launcher").click()
    customer.get_by_test_id("widget-input").fill("can I talk to a real person please")
    customer.get_by_test_id("widget-input").press("Enter")
    customer.get_by_text("a person will follow up").wait_for(timeout=30_000)
    cid = customer.evaluate("JSON.parse(localStorage.getItem('brightcart.widget.session')).id")

    agent = browser.new_context().new_page()
    _sign_in(agent, base, "bench.agent", "/agent")
    agent.get_by_test_id(f"queue-item-{cid}").click()
    agent.get_by_test_id("claim").click()
    agent.get_by_test_id("conv-owner").get_by_text("You have this conversation.").wait_for()

    customer.evaluate(OBSERVE, ["#brightcart-widget", True, r"\[r(\d+)\]"])
    agent_reply = []
    for i in range(replies):
        agent.get_by_test_id("reply-text").fill(f"[r{i}] an agent's reply")
        sent = agent.evaluate("Date.now()")
        agent.get_by_test_id("reply-send").click()
        agent_reply.append(_wait_seen(customer, i) - sent)
    print(f"agent reply -> widget: {_percentiles(agent_reply)}")

    agent.evaluate(OBSERVE, ["#transcript", False, r"\[c(\d+)\]"])
    customer_line = []
    for i in range(replies):
        customer.get_by_test_id("widget-input").fill(f"[c{i}] a customer's message")
        sent = customer.evaluate("Date.now()")
        customer.get_by_test_id("widget-input").press("Enter")
        customer_line.append(_wait_seen(agent, i) - sent)
    print(f"customer message -> console: {_percentiles(customer_line)}")
    print(f"  each, in order (ms): agent->widget {agent_reply}; customer->console {customer_line}")

    # First render of each console page, signed in, in a fresh tab each time.
    marketer = browser.new_context().new_page()
    _sign_in(marketer, base, "bench.marketer", "/marketing")
    for page, path in ((agent, "/agent"), (marketer, "/marketing"), (marketer, "/marketing/dashboard")):
        fresh = page.context.new_page()
        print(f"{path}: {_first_render(fresh, base + path)}")
        fresh.close()
    login = browser.new_context().new_page()
    print(f"/login: {_first_render(login, base + '/login')}")
    browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.consoles", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--replies", type=int, default=50)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args(argv)
    run(args.replies, args.redis_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
