"""A fresh demo's inbox in a browser: the demo history's open handoffs wait, with transcripts and context.

The session's stack is a demo store without the demo history (its weeks of records would
change every other test's figures), so the test writes the history's open handoffs with
the loader's own steps (``seed/history/open_handoffs.py``: plan, write the events, queue,
claim, follow-up, trackers) into the running stack, and removes them afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from redis import Redis

from actions.keys import Keys
from seed.history.loader import DEFAULT_SEED, _rules, _store_material
from seed.history.open_handoffs import OpenHandoff, OpenHandoffPlanner, open_inbox, prepare_open
from seed.history.subjects import load_subjects
from seed.history.writer import HistoryWriter
from stack.assistant import Assistant
from tests.browser.conftest import AGENT, BROWSER_REDIS_URL, screenshot, sign_in

KEYS = Keys("cs")


def _load() -> list[OpenHandoff]:
    """The open handoffs a demo history ends with, claimed ones held by ``AGENT``; their load time."""
    redis, now = Redis.from_url(BROWSER_REDIS_URL), time.time()
    try:
        fillers, customers = _store_material(redis, KEYS, DEFAULT_SEED)
        version, rules = asyncio.run(_rules(BROWSER_REDIS_URL, KEYS))
        opened = OpenHandoffPlanner(list(load_subjects()), fillers, customers, rules, DEFAULT_SEED).plan(now)
        writer = HistoryWriter(redis, KEYS, now, (AGENT.username, AGENT.display_name), version)
        for handoff in opened:
            writer.add(handoff.conversation)
        prepare_open(redis, KEYS, writer, opened)
        writer.flush()
        open_inbox(BROWSER_REDIS_URL, redis, KEYS, writer, opened, now)
        return opened
    finally:
        redis.close()


@pytest.fixture
def demo_inbox(stack: Assistant) -> Iterator[list[OpenHandoff]]:
    # Playwright's sync API runs an event loop in this thread: the loading gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        opened = pool.submit(_load).result()
    yield opened
    redis = Redis.from_url(BROWSER_REDIS_URL)
    ids = [o.conversation.id for o in opened]
    redis.delete(*(KEYS.handoff(cid) for cid in ids), *(KEYS.tracker(cid) for cid in ids))
    redis.zrem(KEYS.handoff_queue, *ids)
    redis.zrem(KEYS.handoff_inbox, *ids)
    # Their audit entries would count in the support lead's view of other tests.
    demo_audit = [i for i, f in redis.xrange(KEYS.audit) if f[b"target"].decode() in ids]
    if demo_audit:
        redis.xdel(KEYS.audit, *demo_audit)


def _count(page: Page, view: str) -> int:
    return int(page.get_by_test_id(f"view-count-{view}").inner_text())


def test_a_fresh_demos_inbox_has_waiting_conversations_and_opening_one_shows_its_summary_and_transcript(
    demo_inbox: list[OpenHandoff], base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    agent = new_context().new_page()
    sign_in(agent, base_url, AGENT, "/agent")
    waiting = [o for o in demo_inbox if o.spec.status == "waiting"]
    # Other tests' conversations may wait too: the demo's are all there, in every view.
    for view, status in (("unassigned", "waiting"), ("mine", "claimed"), ("follow_up", "follow_up")):
        expected = sum(1 for o in demo_inbox if o.spec.status == status)
        expect(agent.get_by_test_id(f"view-count-{view}")).not_to_have_text("0", timeout=10_000)
        assert _count(agent, view) >= expected
    agent.get_by_test_id("inbox-search").fill("demo-")
    agent.get_by_test_id("inbox-search").press("Enter")
    for handoff in waiting:
        expect(agent.get_by_test_id(f"queue-item-{handoff.conversation.id}")).to_be_visible(timeout=10_000)

    # The verified order's conversation: summary, transcript, order panel.
    verified = next(o for o in waiting if o.spec.own_order)
    c = verified.conversation
    agent.get_by_test_id(f"queue-item-{c.id}").click()
    expect(agent.get_by_test_id("conv-id")).to_have_text(c.id)
    expect(agent.get_by_test_id("summary")).to_contain_text("The customer wants")
    for turn in c.turns:
        expect(agent.get_by_test_id("transcript")).to_contain_text(turn.text)
    expect(agent.get_by_test_id("transcript")).to_contain_text("Handed to a person")
    expect(agent.get_by_test_id("conv-owner")).to_have_text("Nobody has claimed this conversation yet.")
    expect(agent.get_by_test_id("order-panel")).not_to_be_empty()
    expect(agent.get_by_test_id("customer-panel")).not_to_be_empty()
    screenshot(agent, "agent-demo-inbox")

    # The demo agent's own: claimed, the reply box open.
    agent.get_by_test_id("inbox-search").fill("")
    agent.get_by_test_id("inbox-search").press("Enter")
    agent.get_by_test_id("view-mine").click()
    mine = next(o for o in demo_inbox if o.spec.status == "claimed").conversation
    agent.get_by_test_id(f"queue-item-{mine.id}").click()
    expect(agent.get_by_test_id("conv-owner")).to_have_text("You have this conversation.")
    expect(agent.get_by_test_id("reply-text")).to_be_enabled()
