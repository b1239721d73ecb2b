"""Live hand-off latency, widget size and console first render, in a real browser.

    .venv/bin/python -m benchmarks.consoles [--replies 50] [--waiting 1000]
        [--redis-url redis://127.0.0.1:6379/12] [--ports 17005 17055 20080]

Starts the real stack on ports of its own (Redis database 12 by default, flushed),
drives Debian's chromium with Playwright: a customer in the widget asks for a
person, an agent claims the conversation in the console, then

- agent -> widget: the agent sends N replies; each is timed from the moment the
  agent presses Send (``Date.now()`` in the console) to the moment the reply's
  bubble is added to the widget (a MutationObserver in the customer's page);
- customer -> console: the customer sends N messages, 0.8 s apart (within the message
  limit of 15 in 10 s), timed from pressing Enter in the widget to the line being added
  to the console's transcript.

Both pages run in one browser on this machine, so their clocks are the same.
It also prints the widget's script requests and gzipped size, and the first
contentful paint and load time of each console page.

With ``--waiting N`` it first fills the inbox with N waiting conversations (through
the action server's own ``HandoffQueue.enqueue``, each with a search document and an
emotion trend), so that every figure above is taken with N waiting, and it also
prints the inbox's first paint and, for each filter and search, the server's time
(``server_ms``) and the browser's (``fetch`` to parsed JSON, and through the console's
own controls to the list drawn).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, Playwright, sync_playwright
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.emotion.detector import EmotionReading
from actions.emotion.timeline import EmotionTimeline, TimelineEntry
from actions.handoff.index import SearchDocument
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import Keys
from stack.assistant import Assistant
from stack.config import StackSettings
from web.accounts.users import UserStore

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "benchmark-password"
CUSTOMER_GAP_S = 0.8
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


# The filled inbox: values cycle, so each filter and search below has answers.
PRIORITIES = ("low", "normal", "normal", "high", "urgent")
REASONS = ("customer asked for a person", "growing anger", "order lookup failed", "payment problem")
EMOTIONS = ("anger", "sadness", "fear", "joy", "neutral")
SEGMENTS = ("loyal, high-value", "new", "lapsed", None)
CHANNELS = ("rest", "socketio")
# Label, then the inbox's query string.
QUERIES = (
    ("view: all", "view=all"),
    ("view: unassigned", "view=unassigned"),
    ("view: mine", "view=mine"),
    ("view: e-mail follow-up", "view=follow_up"),
    ("filter: priority", "priority=urgent"),
    ("filter: reason", "reason=payment+problem"),
    ("filter: emotion", "emotion=anger"),
    ("filter: segment", "segment=lapsed"),
    ("filter: channel", "channel=socketio"),
    ("filter: waiting 1 h+", "waiting_min=60"),
    ("sort: priority", "sort=priority"),
    ("page 20", "page=20"),
    ("search: customer id", "q=C20777"),
    ("search: name", "q=Wanda+Filler777"),
    ("search: e-mail", "q=filler777%40example.com"),
    ("search: order number", "q=%23900777"),
    ("search: message text", "q=parcel+number+777"),
    ("search: no match", "q=zzz-no-such-thing"),
)
# In the page: time a fetch of the inbox to its parsed JSON, and return the server's time too.
TIME_FETCH = """async (query) => {
  const started = performance.now();
  const response = await fetch(`/api/agent/inbox?${query}`, { headers: { Accept: "application/json" } });
  const data = await response.json();
  return { browser: performance.now() - started, server: data.server_ms, total: data.total };
}"""


async def _fill(redis_url: str, waiting: int) -> None:
    """``waiting`` conversations in the inbox, as the action server queues them."""
    redis = AsyncRedis.from_url(redis_url)
    keys, now = Keys("cs"), time.time()
    queue, timeline = HandoffQueue(redis, keys), EmotionTimeline(redis, keys)
    try:
        for i in range(waiting):
            cid = f"bench-waiting-{i:05d}"
            request = HandoffRequest(
                conversation_id=cid, reason=REASONS[i % len(REASONS)], priority=PRIORITIES[i % 5],  # type: ignore[arg-type]
                requested_at=now - (i % 180) * 60 - i / 100, emotion=EMOTIONS[i % len(EMOTIONS)],
                segment=SEGMENTS[i % len(SEGMENTS)],
            )  # fmt: skip
            document = SearchDocument(
                customer_id=f"C2{i:04d}", name=f"Wanda Filler{i}", emails=[f"filler{i}@example.com"],
                order_ids=[f"9{i:05d}"], channel=CHANNELS[i % 2],
                said=f"where is my parcel number {i}?\nit was due last week and nobody answers",
            )  # fmt: skip
            await queue.enqueue(request, document)
            # Still there (the widget's check-in): the sweeper must not move them to follow-up.
            await redis.hset(keys.handoff(cid), "last_seen", str(now))
            for sentiment in (0.1, -0.3, -0.6)[: 1 + i % 3]:
                reading = EmotionReading.neutral().model_copy(
                    update={"sentiment": sentiment, "dominant": "anger"}
                )
                await timeline.append(cid, TimelineEntry(reading=reading), 1)
    finally:
        await redis.aclose()


def _inbox_timings(agent: Page, base: str) -> None:
    """The inbox's first paint with everyone waiting, then each filter and search, five times each."""
    fresh = agent.context.new_page()
    print(f"/agent with the inbox filled: {_first_render(fresh, base + '/agent')}")
    started = fresh.evaluate("performance.now()")
    fresh.wait_for_function("() => document.getElementById('queue').dataset.loaded !== undefined")
    drawn = fresh.evaluate("performance.now()")
    print(f"  inbox rows drawn {drawn:.0f} ms after navigation start ({drawn - started:.0f} ms after load)")
    rows = []
    for label, query in QUERIES:
        runs = [fresh.evaluate(TIME_FETCH, query) for _ in range(5)]
        server = statistics.median(r["server"] for r in runs)
        browser = statistics.median(r["browser"] for r in runs)
        rows.append((label, runs[0]["total"], server, browser))
        print(
            f"  {label:<26} {runs[0]['total']:>5} found  server {server:6.1f} ms  browser {browser:6.1f} ms"
        )
    # Through the console's own controls: choose a filter, wait for the list to be drawn.
    ui = []
    for name, value in (("priority", "urgent"), ("emotion", "anger"), ("channel", "socketio")):
        before = fresh.evaluate("document.getElementById('queue').dataset.loaded")
        fresh.get_by_test_id(f"filter-{name}").select_option(value)
        fresh.wait_for_function(f"() => document.getElementById('queue').dataset.loaded !== '{before}'")
        ui.append(float(fresh.evaluate("document.getElementById('queue').dataset.browserMs")))
    print(f"  filters chosen in the console, request to list drawn (ms): {ui}")
    worst = max(max(r[2], r[3]) for r in rows)
    print(f"  slowest filter or search: {worst:.1f} ms (target 200 ms)")
    fresh.close()


def run(
    replies: int, redis_url: str, waiting: int = 0, ports: tuple[int, int, int] = (17005, 17055, 20080)
) -> None:
    Redis.from_url(redis_url).flushdb()
    settings = StackSettings(redis_url=redis_url, rasa_port=ports[0], action_port=ports[1], web_port=ports[2],
                             data_dir=Path(tempfile.mkdtemp(prefix="bench-consoles-")))  # fmt: skip
    with Assistant(settings) as stack:
        # Before Playwright's sync API starts its own event loop in this thread.
        asyncio.run(_accounts(redis_url))
        if waiting:
            started = time.perf_counter()
            asyncio.run(_fill(redis_url, waiting))
            took = time.perf_counter() - started
            print(f"filled the inbox with {waiting} waiting conversations in {took:.1f} s")
        with sync_playwright() as playwright:
            _measure(playwright, stack.web_url, replies, waiting)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def _measure(playwright: Playwright, base: str, replies: int, waiting: int = 0) -> None:
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
    if waiting:
        _inbox_timings(agent, base)
    # Among many waiting, the newest customer is found by searching for the conversation.
    agent.get_by_test_id("inbox-search").fill(cid)
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
    print(f"agent reply -> widget with {waiting} waiting: {_percentiles(agent_reply)}")

    agent.evaluate(OBSERVE, ["#transcript", False, r"\[c(\d+)\]"])
    customer_line = []
    for i in range(replies):
        # Paced as a person types: faster than 15 in 10 s, the message limit answers "slow down"
        # instead of reading the message (rasa_addons/message_limits.py), and no line is added.
        time.sleep(CUSTOMER_GAP_S)
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
    parser.add_argument("--waiting", type=int, default=0, help="fill the inbox with this many first")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--ports", type=int, nargs=3, default=[17005, 17055, 20080],
                        metavar=("RASA", "ACTIONS", "WEB"), help="the stack's ports")  # fmt: skip
    args = parser.parse_args(argv)
    run(args.replies, args.redis_url, args.waiting, tuple(args.ports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
