"""An admin looks up a demo customer who has chatted, exports what is held and erases it."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from stack.assistant import Assistant
from tests.browser.conftest import BROWSER_REDIS_URL, PASSWORD, Account, screenshot, sign_in
from tests.browser.widget import conversation_id, open_widget, say
from web.accounts.users import UserStore

KEYS = Keys("cs")
ADMIN = Account("ola.admin", "Ola Admin", "admin")
# test_handoff.py takes an order on its way: the customer erased here has none.
TRAVELLING = ("in_transit", "shipped")


@pytest.fixture(scope="module")
def admin(stack: Assistant) -> Account:
    async def create() -> None:
        redis = AsyncRedis.from_url(BROWSER_REDIS_URL)
        try:
            await UserStore(redis, KEYS).create(ADMIN.username, ADMIN.display_name, ADMIN.role, PASSWORD)
        finally:
            await redis.aclose()

    # Playwright's sync API keeps an event loop running in this thread: create it from another one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, create()).result()
    return ADMIN


def _demo_customer_with_orders() -> str:
    redis = Redis.from_url(BROWSER_REDIS_URL, decode_responses=True)
    try:
        for customer_id in sorted(redis.smembers(KEYS.customer_ids)):
            order_ids = redis.zrange(KEYS.customer_orders(customer_id), 0, -1)
            orders = [json.loads(redis.get(KEYS.order(order_id)) or "{}") for order_id in order_ids]
            if orders and not any(order.get("status") in TRAVELLING for order in orders):
                return customer_id
    finally:
        redis.close()
    raise AssertionError("the demo store has no customer with orders")


def _audit_actions() -> list[tuple[str, str]]:
    redis = Redis.from_url(BROWSER_REDIS_URL, decode_responses=True)
    try:
        return [(fields["actor"], fields["action"]) for _, fields in redis.xrange(KEYS.audit)]
    finally:
        redis.close()


def _look_up(page: Page, customer_id: str) -> None:
    page.get_by_label("Customer id").fill(customer_id)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_test_id("held-customer")).to_have_text(customer_id)


def test_an_admin_exports_and_erases_a_customer(
    base_url: str, admin: Account, new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    customer_id = _demo_customer_with_orders()
    customer = new_context().new_page()
    open_widget(customer, f"{base_url}/?customer={customer_id}")
    assert say(customer, "hello")
    cid = conversation_id(customer)

    page = new_context().new_page()
    sign_in(page, base_url, admin)
    page.get_by_role("link", name="Customer data").click()
    expect(page).to_have_url(f"{base_url}/admin/privacy")
    _look_up(page, customer_id)
    expect(page.get_by_test_id("count-customer_record")).to_have_text("1")
    expect(page.get_by_test_id("count-orders")).not_to_have_text("0")
    expect(page.get_by_test_id("conversations")).to_contain_text(cid)
    screenshot(page, "privacy-look-up")

    with page.expect_download() as downloading:
        page.get_by_test_id("export").click()
    download = downloading.value
    assert download.suggested_filename == f"customer-{customer_id}-export.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["customer_id"] == customer_id and document["store"]["customer"]["id"] == customer_id
    assert cid in [conversation["conversation_id"] for conversation in document["conversations"]]

    # The id typed again, wrongly: refused, nothing erased.
    page.get_by_label("type the customer id again").fill(customer_id[:-1])
    page.get_by_test_id("erase").click()
    expect(page.get_by_test_id("privacy-error")).to_contain_text("confirm_customer_id")
    expect(page.get_by_test_id("conversations")).to_contain_text(cid)

    page.get_by_label("type the customer id again").fill(customer_id)
    page.get_by_test_id("erase").click()
    expect(page.get_by_test_id("erasure-id")).to_have_text(re.compile(r"^[0-9a-f]{32}$"))
    screenshot(page, "privacy-erased")

    page.get_by_role("link", name="Look up another customer").click()
    _look_up(page, customer_id)
    expect(page.get_by_test_id("nothing-held")).to_be_visible()
    actions = _audit_actions()
    assert (ADMIN.username, "customer.export") not in actions  # the export named them: erased with them
    assert (ADMIN.username, "customer.erase") in actions
