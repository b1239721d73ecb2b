"""The agent inbox on a busy day: views, filters, search, paging, live counts, and the context panel."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.handoff.index import document_of
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import Keys
from stack.assistant import Assistant
from tests.browser.conftest import AGENT, BROWSER_REDIS_URL, screenshot, sign_in
from tests.browser.widget import conversation_id, open_widget, say

KEYS = Keys("cs")
# Seeded handoffs carry reasons of their own, so that other tests' conversations never match.
SEEDED = {
    # id: (priority, reason, emotion, segment, channel, minutes waited, what the customer said)
    "inbox-urgent": ("urgent", "inbox test: payment", "anger", "loyal", "socketio", 3, "card declined twice"),
    "inbox-old": ("normal", "inbox test: shipping", "sadness", "new", "rest", 95, "parcel stuck in customs"),
    "inbox-low": ("low", "inbox test: shipping", "joy", "lapsed", "rest", 20, "just checking on a gift"),
}  # fmt: skip
PAGED = 26


def _delivered_order() -> dict:
    redis = Redis.from_url(BROWSER_REDIS_URL, decode_responses=True)
    for order_id in sorted(redis.smembers("cs:store:order_ids")):
        order = json.loads(redis.get(f"cs:store:order:{order_id}"))
        if order["status"] == "delivered" and order.get("tracking_number") and order.get("carrier"):
            return order
    raise AssertionError("the demo store has no delivered order")


def _seed() -> None:
    async def seed() -> None:
        redis = AsyncRedis.from_url(BROWSER_REDIS_URL)
        queue, now = HandoffQueue(redis, KEYS), time.time()
        try:
            for cid, (priority, reason, emotion, segment, channel, waited, said) in SEEDED.items():
                at = now - waited * 60
                event = {"event": "user", "text": said, "timestamp": at, "input_channel": channel}
                request = HandoffRequest(conversation_id=cid, reason=reason, priority=priority,  # type: ignore[arg-type]
                                         emotion=emotion, segment=segment, requested_at=at)  # fmt: skip
                await queue.enqueue(request, document_of([event], signed_in=False))
            for i in range(PAGED):
                request = HandoffRequest(conversation_id=f"inbox-paged-{i:02d}", reason="inbox test: paging",
                                         requested_at=now - 60 - i)  # fmt: skip
                await queue.enqueue(request)
        finally:
            await redis.aclose()

    # Playwright's sync API runs an event loop in this thread: the seeding gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, seed()).result()


def _expect_rows(page: Page, expected: list[str]) -> None:
    """The inbox lists exactly ``expected``, in order, once it has answered."""
    deadline = time.monotonic() + 10
    while True:
        ids = page.locator(".queue__item").evaluate_all("nodes => nodes.map(n => n.dataset.conversation)")
        if ids == expected or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert ids == expected


def _choose(page: Page, name: str, value: str) -> None:
    page.get_by_test_id(f"filter-{name}").select_option(value)


@pytest.fixture
def seeded() -> Iterator[None]:
    """The seeded handoffs, removed afterwards: other tests' conversations must stay on page one."""
    _seed()
    yield
    redis = Redis.from_url(BROWSER_REDIS_URL)
    ids = [*SEEDED, *(f"inbox-paged-{i:02d}" for i in range(PAGED))]
    redis.delete(*(KEYS.handoff(cid) for cid in ids))
    redis.zrem(KEYS.handoff_queue, *ids)
    redis.zrem(KEYS.handoff_inbox, *ids)


def test_views_filters_sorting_paging_and_live_counts(
    seeded: None, stack: Assistant, base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    agent = new_context().new_page()
    sign_in(agent, base_url, AGENT, "/agent")
    # Each filter on the seeded conversations (their reason keeps other tests' out).
    _choose(agent, "reason", "inbox test: shipping")
    _expect_rows(agent, ["inbox-old", "inbox-low"])  # longest waiting first
    _choose(agent, "emotion", "joy")
    _expect_rows(agent, ["inbox-low"])
    agent.get_by_test_id("inbox-clear").click()
    _choose(agent, "priority", "urgent")
    _choose(agent, "channel", "socketio")
    _expect_rows(agent, ["inbox-urgent"])
    agent.get_by_test_id("inbox-clear").click()
    _choose(agent, "segment", "lapsed")
    _expect_rows(agent, ["inbox-low"])
    agent.get_by_test_id("inbox-clear").click()
    _choose(agent, "waiting_min", "60")
    _expect_rows(agent, ["inbox-old"])
    agent.get_by_test_id("inbox-clear").click()
    _choose(agent, "reason", "inbox test: shipping")
    _choose(agent, "sort", "newest")
    _expect_rows(agent, ["inbox-low", "inbox-old"])
    agent.get_by_test_id("inbox-clear").click()

    # Search by the customer's words.
    agent.get_by_test_id("inbox-search").fill("CUSTOMS")
    _expect_rows(agent, ["inbox-old"])
    expect(agent.get_by_test_id("queue-item-inbox-old")).to_contain_text("found in message")
    agent.get_by_test_id("inbox-clear").click()

    # Server-side paging: 26 of one reason are two pages of 25.
    _choose(agent, "reason", "inbox test: paging")
    expect(agent.get_by_test_id("page-info")).to_have_text("1–25 of 26")
    agent.get_by_test_id("page-next").click()
    expect(agent.get_by_test_id("page-info")).to_have_text("26–26 of 26")
    _expect_rows(agent, ["inbox-paged-00"])
    agent.get_by_test_id("page-prev").click()
    expect(agent.get_by_test_id("page-info")).to_have_text("1–25 of 26")
    agent.get_by_test_id("inbox-clear").click()

    # Views, and their counts kept live over the event stream.
    agent.get_by_test_id("view-follow_up").click()
    _expect_rows(agent, [])
    expect(agent.get_by_test_id("queue-empty")).to_be_visible()
    Redis.from_url(BROWSER_REDIS_URL).hset(KEYS.handoff("inbox-low"), "status", "follow_up")
    expect(agent.get_by_test_id("view-count-follow_up")).to_have_text("1", timeout=15_000)
    agent.get_by_test_id("view-follow_up").click()
    _expect_rows(agent, ["inbox-low"])
    expect(agent.get_by_test_id("queue-item-inbox-low")).to_contain_text("follow up by e-mail")
    agent.get_by_test_id("view-unassigned").click()
    _choose(agent, "reason", "inbox test: shipping")
    _expect_rows(agent, ["inbox-old"])
    agent.get_by_test_id("view-mine").click()
    _expect_rows(agent, [])
    screenshot(agent, "agent-inbox-views")


def test_search_summary_and_order_panels_for_a_verified_order(
    stack: Assistant, base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    order = _delivered_order()
    customer = new_context().new_page()
    open_widget(customer, f"{base_url}/")
    say(customer, "where is my order?")
    say(customer, order["id"])
    say(customer, order["email"])
    assert "a person will follow up" in say(customer, "can I talk to a real person please")
    cid = conversation_id(customer)

    agent = new_context().new_page()
    sign_in(agent, base_url, AGENT, "/agent")
    # With the other tests' conversations waiting longer, the newest is on the first page this way.
    _choose(agent, "sort", "newest")
    item = agent.get_by_test_id(f"queue-item-{cid}")
    expect(item).to_be_visible(timeout=10_000)
    # Found by its order number, its e-mail and the customer's words ...
    for term, where in ((f"#{order['id']}", "order number"), (order["email"].upper(), "e-mail"),
                        ("real person", "message")):  # fmt: skip
        agent.get_by_test_id("inbox-search").fill(term)
        _expect_rows(agent, [cid])
        expect(item).to_contain_text(where)
    # ... and by what the customer writes after the handoff, while the bot is paused.
    say(customer, "the voucher ZEBRA42 did not work either", expect_reply=False)
    agent.get_by_test_id("inbox-search").fill("zebra42")
    _expect_rows(agent, [cid])

    item.click()
    summary = agent.get_by_test_id("summary")
    expect(summary).to_contain_text("The customer wants to know where their order is")
    expect(summary).to_contain_text("The bot looked up the order's status")
    expect(summary).to_contain_text(f"Order #{order['id']} was verified with the customer's e-mail.")
    panel = agent.get_by_test_id("order-panel")
    expect(panel).to_contain_text(f"#{order['id']}")
    expect(panel).to_contain_text("Delivered")
    expect(panel).to_contain_text(order["tracking_number"])
    expect(panel).to_contain_text(order["carrier"])
    expect(panel).to_contain_text("Returns")
    expect(agent.get_by_test_id("order-items")).to_contain_text(order["items"][0]["name"])
    expect(agent.get_by_test_id("emotion-words")).to_contain_text("Now ")
    # A visitor: no customer record, and the profile says so.
    expect(agent.get_by_test_id("profile")).to_contain_text("not signed in")
    expect(agent.get_by_test_id("customer-panel")).to_be_empty()
    # No raw JSON anywhere in the side panel (the emotion scores slot included).
    side = agent.locator(".conv__side").inner_text()
    assert '{"' not in side and "':" not in side, side

    # Claiming moves it from "unassigned" to "mine", live.
    agent.get_by_test_id("inbox-search").fill("")
    mine_before = int(agent.get_by_test_id("view-count-mine").inner_text())
    agent.get_by_test_id("claim").click()
    expect(agent.get_by_test_id("view-count-mine")).to_have_text(str(mine_before + 1), timeout=10_000)
    expect(agent.get_by_test_id("conv-owner")).to_have_text("You have this conversation.")
    agent.get_by_test_id("view-mine").click()
    expect(item).to_contain_text("You have it")
    _expect_rows(agent, [cid])
    expect(agent.get_by_test_id("queue-count")).to_have_text(str(mine_before + 1))
    screenshot(agent, "agent-inbox-context")
