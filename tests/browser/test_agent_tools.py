"""The agent's tools in a browser: canned replies, private notes, transfer, release, close by category.

And a lead's take-back of a conversation an absent agent holds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import BrowserContext, Page, expect
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from stack.assistant import Assistant
from tests.browser.conftest import (
    AGENT,
    BROWSER_REDIS_URL,
    OTHER_AGENT,
    PASSWORD,
    Account,
    screenshot,
    sign_in,
)
from tests.browser.widget import conversation_id, open_widget, say
from web.accounts.errors import UserExists
from web.accounts.users import UserStore

KEYS = Keys("cs")
CANNED = "Hi {first_name}, this is {agent_name} from {store_name}. Is order {order_id} the one you mean?"
NOTE = "VIP customer: offer free express shipping if it comes to a reship."


def _redis() -> Redis:
    return Redis.from_url(BROWSER_REDIS_URL, decode_responses=True)


def _allow_canned(username: str, allowed: bool) -> None:
    async def run() -> None:
        redis = AsyncRedis.from_url(BROWSER_REDIS_URL)
        try:
            await UserStore(redis, KEYS).set_canned_manager(username, allowed)
        finally:
            await redis.aclose()

    # Playwright's sync API runs an event loop in this thread: the account is changed from another.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def _saved_tracker(cid: str, containing: str) -> str:
    """The conversation's tracker as Rasa saved it, once it holds ``containing``."""
    deadline = time.monotonic() + 10
    while containing not in (tracker := _redis().get(KEYS.tracker(cid)) or ""):
        assert time.monotonic() < deadline, f"the tracker of {cid} never held {containing!r}"
        time.sleep(0.2)
    return tracker


def _handed_off(new_context: Callable[..., BrowserContext], url: str) -> tuple[Page, str]:
    customer = new_context().new_page()
    open_widget(customer, url)
    assert "a person will follow up" in say(customer, "can I talk to a real person please")
    return customer, conversation_id(customer)


def _console(context: BrowserContext, base_url: str, account, cid: str) -> Page:
    page = context.new_page()
    sign_in(page, base_url, account, "/agent")
    item = page.get_by_test_id(f"queue-item-{cid}")
    expect(item).to_be_visible(timeout=10_000)
    item.click()
    expect(page.get_by_test_id("conv-id")).to_have_text(cid)
    return page


def test_a_canned_reply_is_managed_then_inserted_with_the_conversations_values(
    stack: Assistant, base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    redis = _redis()
    customer_id = sorted(redis.smembers(KEYS.customer_ids))[0]
    first_name = json.loads(redis.get(KEYS.customer(customer_id)) or "{}")["first_name"]
    store_name = json.loads(redis.get(KEYS.policy) or "{}")["store_name"]
    customer, cid = _handed_off(new_context, f"{base_url}/?customer={customer_id}")

    # An agent without the permission may read the canned replies, not change them.
    other = new_context().new_page()
    sign_in(other, base_url, OTHER_AGENT, "/agent/canned")
    expect(other.get_by_test_id("canned-read-only")).to_be_visible()
    expect(other.get_by_test_id("canned-form")).to_have_count(0)

    # With it: a typo in a variable is refused naming the field; then the reply is saved.
    _allow_canned(AGENT.username, True)
    agent = new_context().new_page()
    sign_in(agent, base_url, AGENT, "/agent/canned")
    form = agent.get_by_test_id("canned-form")
    form.get_by_test_id("canned-shortcut").fill("order-check")
    form.get_by_test_id("canned-title").fill("Which order")
    form.get_by_test_id("canned-text").fill(CANNED.replace("{first_name}", "{firstname}"))
    form.get_by_test_id("canned-save").click()
    expect(agent.get_by_test_id("canned-error")).to_contain_text("text: unknown variable {firstname}")
    agent.get_by_test_id("canned-form").get_by_test_id("canned-text").fill(CANNED)
    agent.get_by_test_id("canned-form").get_by_test_id("canned-save").click()
    row = agent.locator('[data-testid="canned-row"][data-shortcut="order-check"]')
    expect(row).to_contain_text(CANNED)
    screenshot(agent, "agent-canned-replies")

    # In the conversation: "/" and the shortcut, Enter inserts it with the values filled in.
    agent.goto(f"{base_url}/agent")
    agent.get_by_test_id(f"queue-item-{cid}").click()
    agent.get_by_test_id("claim").click()
    expect(agent.get_by_test_id("conv-owner")).to_have_text("You have this conversation.")
    box = agent.get_by_test_id("reply-text")
    box.fill("/order")
    expect(agent.get_by_test_id("canned-option-order-check")).to_be_visible()
    box.press("Enter")
    filled = f"Hi {first_name}, this is Sam Lee from {store_name}. Is order {{order_id}} the one you mean?"
    expect(box).to_have_value(filled)
    # The order number is not known in this conversation: left visibly for the agent, never sent blank.
    expect(agent.get_by_test_id("canned-hint")).to_contain_text("Fill in {order_id}")
    agent.get_by_test_id("reply-send").click()
    expect(agent.get_by_test_id("reply-form").get_by_role("alert")).to_contain_text(
        "fill in {order_id} before sending"
    )
    expect(box).to_have_value(filled)
    box.fill(filled.replace("{order_id}", "111790"))
    agent.get_by_test_id("reply-send").click()
    expect(customer.get_by_test_id("msg-agent").last).to_contain_text(
        f"Hi {first_name}, this is Sam Lee from {store_name}. Is order 111790", timeout=5_000
    )
    expect(customer.get_by_text("{order_id}")).to_have_count(0)
    _allow_canned(AGENT.username, False)


def test_notes_stay_with_agents_and_a_conversation_is_transferred_released_and_closed_with_a_category(
    stack: Assistant, base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    customer, cid = _handed_off(new_context, f"{base_url}/")
    sam = _console(new_context(), base_url, AGENT, cid)
    sam.get_by_test_id("claim").click()
    expect(sam.get_by_test_id("conv-owner")).to_have_text("You have this conversation.")
    kim = _console(new_context(), base_url, OTHER_AGENT, cid)
    expect(kim.get_by_test_id("conv-owner")).to_have_text("Sam Lee has this conversation.")
    expect(kim.get_by_test_id("transfer")).to_be_disabled()
    expect(kim.get_by_test_id("release")).to_be_disabled()

    # A private note reaches the colleague's open console live, with its author; never the customer.
    sam.get_by_test_id("note-text").fill(NOTE)
    sam.get_by_test_id("note-add").click()
    expect(sam.get_by_test_id("note").last).to_contain_text(NOTE)
    expect(kim.get_by_test_id("note").last).to_contain_text(NOTE, timeout=5_000)
    expect(kim.get_by_test_id("note").last).to_contain_text("Sam Lee")
    say(customer, "hello? anyone?", expect_reply=False)
    expect(sam.get_by_test_id("transcript")).to_contain_text("hello? anyone?", timeout=5_000)
    expect(customer.get_by_text("VIP customer")).to_have_count(0)
    assert "VIP customer" not in _saved_tracker(cid, containing="hello? anyone?")
    screenshot(sam, "agent-note")

    # Transfer: Kim owns it now, and the customer is told who has joined.
    sam.get_by_test_id("transfer-to").select_option(label="Kim Park")
    sam.get_by_test_id("transfer").click()
    expect(customer.get_by_test_id("notice").last).to_contain_text(
        "Kim Park from our team has joined the chat", timeout=5_000
    )
    expect(sam.get_by_test_id("conv-owner")).to_have_text("Kim Park has this conversation.")
    expect(kim.get_by_test_id("conv-owner")).to_have_text("You have this conversation.", timeout=5_000)
    expect(kim.get_by_test_id("reply-text")).to_be_enabled()

    # Release: back in the queue, unclaimed, still waiting since the customer asked.
    requested_at = json.loads(_redis().hget(KEYS.handoff(cid), "request") or "{}")["requested_at"]
    kim.get_by_test_id("release").click()
    expect(customer.get_by_test_id("notice").last).to_contain_text("Kim Park has stepped away", timeout=5_000)
    expect(kim.get_by_test_id("conv-owner")).to_have_text("Nobody has claimed this conversation yet.")
    expect(sam.get_by_test_id(f"queue-item-{cid}")).to_contain_text("Waiting", timeout=5_000)
    assert _redis().zscore(KEYS.handoff_queue, cid) == requested_at

    # Close with a resolution category as well as the note.
    sam.get_by_test_id("claim").click()
    expect(sam.get_by_test_id("conv-owner")).to_have_text("You have this conversation.")
    sam.get_by_test_id("close-category").select_option(label="Refund or return arranged")
    sam.get_by_test_id("close-note").fill("Return label sent by e-mail.")
    sam.get_by_test_id("close").click()
    expect(sam.get_by_test_id("conv-owner")).to_have_text("This conversation is closed.")
    closing = json.loads(_redis().hget(KEYS.handoff(cid), "closed") or "{}")
    assert (closing["category"], closing["note"]) == (
        "refund_or_return_arranged",
        "Return label sent by e-mail.",
    )

    entries = _redis().xrange(KEYS.audit)
    done = [
        (f["actor"], f["action"])
        for _, f in entries
        if f["target"] == cid and f["action"].startswith("handoff.")
    ]
    assert done == [
        ("sam.lee", "handoff.claim"),
        ("sam.lee", "handoff.note"),
        ("sam.lee", "handoff.transfer"),
        ("kim.park", "handoff.release"),
        ("sam.lee", "handoff.claim"),
        ("sam.lee", "handoff.close"),
    ]


LEAD = Account("lee.lead", "Lee Lead", "admin")


def _lead_account() -> None:
    async def run() -> None:
        redis = AsyncRedis.from_url(BROWSER_REDIS_URL)
        try:
            await UserStore(redis, KEYS).create(LEAD.username, LEAD.display_name, "admin", PASSWORD)
        except UserExists:
            pass  # a second run in the same session
        finally:
            await redis.aclose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def test_a_lead_takes_a_conversation_back_from_an_absent_agent_to_the_queue_then_to_a_colleague(
    stack: Assistant, base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    _lead_account()
    customer, cid = _handed_off(new_context, f"{base_url}/")
    sam = _console(new_context(), base_url, AGENT, cid)
    sam.get_by_test_id("claim").click()
    expect(sam.get_by_test_id("conv-owner")).to_have_text("You have this conversation.")
    # Only a lead's page has the take-back form.
    kim = _console(new_context(), base_url, OTHER_AGENT, cid)
    expect(kim.get_by_test_id("take-back-form")).to_have_count(0)
    expect(sam.get_by_test_id("take-back-form")).to_have_count(0)
    lead = _console(new_context(), base_url, LEAD, cid)
    expect(lead.get_by_test_id("conv-owner")).to_have_text("Sam Lee has this conversation.")
    expect(lead.get_by_test_id("take-back")).to_be_enabled()

    # Back to the queue: Sam's open console says so at once, the customer is told, the wait is kept.
    requested_at = json.loads(_redis().hget(KEYS.handoff(cid), "request") or "{}")["requested_at"]
    lead.get_by_test_id("take-back").click()
    expect(lead.get_by_test_id("conv-owner")).to_have_text("Nobody has claimed this conversation yet.")
    expect(lead.get_by_test_id("take-back")).to_be_disabled()
    expect(sam.get_by_test_id("conv-owner")).to_contain_text(
        "A team lead took this conversation back from you.", timeout=5_000
    )
    expect(sam.get_by_test_id("reply-text")).to_be_disabled()
    expect(customer.get_by_test_id("notice").last).to_contain_text("Sam Lee has stepped away", timeout=5_000)
    assert _redis().zscore(KEYS.handoff_queue, cid) == requested_at
    screenshot(sam, "agent-taken-back")

    # Claimed again, then reassigned to Kim, who may reply at once.
    sam.get_by_test_id("claim").click()
    expect(lead.get_by_test_id("take-back")).to_be_enabled(timeout=5_000)
    lead.get_by_test_id("take-back-to").select_option(label="Kim Park")
    lead.get_by_test_id("take-back").click()
    expect(lead.get_by_test_id("conv-owner")).to_have_text("Kim Park has this conversation.")
    expect(kim.get_by_test_id("conv-owner")).to_have_text("You have this conversation.", timeout=5_000)
    expect(kim.get_by_test_id("reply-text")).to_be_enabled()
    expect(customer.get_by_test_id("notice").last).to_contain_text(
        "Kim Park from our team has joined the chat", timeout=5_000
    )
    taken = [
        (f["actor"], json.loads(f["details"]))
        for _, f in _redis().xrange(KEYS.audit)
        if f["target"] == cid and f["action"] == "handoff.take_back"
    ]
    assert taken == [
        ("lee.lead", {"from": "sam.lee", "to": None}),
        ("lee.lead", {"from": "sam.lee", "to": "kim.park"}),
    ]
