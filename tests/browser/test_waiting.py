"""Nobody waits forever: the customer's place and expected wait, e-mail out of hours, follow-up when gone.

These tests run a second web app next to the stack's (same Redis, same Rasa) with short
timeouts (``HANDOFF_GONE_AFTER_S``, ``HANDOFF_SWEEP_EVERY_S``), so that a customer who
closes the tab moves to follow-up within seconds, without changing the stack's own web
app, which other test files share. The store's support hours are set in its policy in
Redis for each test (always open, or closed now) and restored afterwards.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from redis import Redis

from actions.handoff.hours import SupportHours, SupportWindow
from actions.handoff.waiting import audit_entry, expected_wait_minutes, workload_from_audit
from actions.keys import Keys
from stack.assistant import Assistant
from stack.config import ROOT
from tests.browser.conftest import AGENT, BROWSER_REDIS_URL, screenshot, sign_in
from tests.browser.widget import conversation_id, open_widget, say

KEYS = Keys("cs")
GONE_AFTER_S = 9
SWEEP_EVERY_S = 1
# The second web app listens next to the stack's.
FAST_WEB_PORT = int(os.environ.get("BROWSER_WEB_PORT", "19080")) + 1
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@pytest.fixture(scope="module")
def fast_web(stack: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A web app with short handoff timeouts, on the stack's Redis and Rasa."""
    settings = stack.settings
    env = {
        **os.environ,
        "REDIS_URL": BROWSER_REDIS_URL,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(FAST_WEB_PORT),
        "DEMO_STORE": "true",
        "RASA_PUBLIC_URL": f"http://{settings.public_host}:{settings.rasa_port}",
        "RASA_URL": stack.rasa_url,
        "RASA_TOKEN": settings.rasa_token.get_secret_value(),
        "HANDOFF_GONE_AFTER_S": str(GONE_AFTER_S),
        "HANDOFF_SWEEP_EVERY_S": str(SWEEP_EVERY_S),
    }
    log: Path = tmp_path_factory.mktemp("fast-web") / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(settings.app_python), "-m", "web"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        url = f"http://{settings.public_host}:{FAST_WEB_PORT}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, f"the second web app exited: {log.read_text()[-2000:]}"
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the second web app did not start"
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=15)


@pytest.fixture
def redis() -> Iterator[Redis]:
    client = Redis.from_url(BROWSER_REDIS_URL, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def hours(redis: Redis) -> Iterator[Callable[[bool], None]]:
    """Set the store's support hours to open or closed now; the policy is restored after the test."""
    saved = redis.get(KEYS.policy)
    assert saved is not None, "the stack seeds the demo store"

    def set_hours(open_now: bool) -> None:
        window = SupportWindow(days=EVERY_DAY, opens="00:00", closes="24:00")
        if not open_now:  # open two minutes a day, twelve hours from now
            later = time.gmtime(time.time() + 12 * 3600)
            start = later.tm_min // 2 * 2
            window = SupportWindow(
                days=EVERY_DAY,
                opens=f"{later.tm_hour:02d}:{start:02d}",
                closes=f"{later.tm_hour:02d}:{start + 2:02d}"
                if start < 58
                else f"{later.tm_hour + 1:02d}:00",
            )
        policy = json.loads(saved)
        policy["support_hours"] = SupportHours(
            timezone="UTC", timezone_label="UTC", windows=[window]
        ).model_dump()
        redis.set(KEYS.policy, json.dumps(policy))

    yield set_hours
    redis.set(KEYS.policy, saved)


def _ask_for_a_person(context: BrowserContext, url: str) -> tuple[Page, str, str]:
    page = context.new_page()
    open_widget(page, f"{url}/")
    reply = say(page, "can I talk to a real person please")
    assert "a person will follow up" in reply
    return page, conversation_id(page), reply


def _banner(page: Page, test_id: str = "waiting-banner"):  # type: ignore[no-untyped-def]
    return page.get_by_test_id(test_id)


def _seed_team_history(redis: Redis, takeovers: int = 9, minutes: int = 6) -> None:
    """Recent takeovers by one agent, as the console's audit log records them."""
    now = time.time()
    for i in range(takeovers):
        start = now - 1500 + i * 60
        for action, at in (("handoff.claim", start), ("handoff.close", start + minutes * 60)):
            redis.xadd(KEYS.audit, {"actor": AGENT.username, "action": action, "target": f"history-{i}",
                                    "details": "{}", "at": str(int(at))})  # fmt: skip


def _expected_minutes(redis: Redis, position: int) -> int | None:
    """The figure the formula gives on what Redis holds now (the formula's own cases: unit tests)."""
    entries = [e for _, fields in redis.xrevrange(KEYS.audit, count=5000) if (e := audit_entry(fields))]
    return expected_wait_minutes(position, workload_from_audit(entries, time.time()))


def test_the_customer_sees_their_place_and_expected_wait_and_it_moves_with_the_queue(
    fast_web: str, redis: Redis, hours: Callable[[bool], None], new_context: Callable[..., BrowserContext]
) -> None:
    hours(True)
    # Only this test's customers wait: earlier tests' leftovers leave the queue.
    for cid in redis.zrange(KEYS.handoff_queue, 0, -1):
        redis.zrem(KEYS.handoff_queue, cid)
    _seed_team_history(redis)
    first, first_id, _ = _ask_for_a_person(new_context(viewport={"width": 390, "height": 844}), fast_web)
    expect(_banner(first, "waiting-position")).to_have_text("You're next in the queue.", timeout=10_000)
    second, second_id, _ = _ask_for_a_person(new_context(viewport={"width": 390, "height": 844}), fast_web)
    expect(_banner(second, "waiting-position")).to_have_text("You're number 2 in the queue.", timeout=10_000)
    minutes = _expected_minutes(redis, 2)
    assert minutes is not None
    expect(_banner(second, "waiting-eta")).to_have_text(
        f"Expected wait: about {minutes} {'minute' if minutes == 1 else 'minutes'}."
    )
    expect(_banner(second, "waiting-email-form")).to_be_hidden()  # in hours: no e-mail asked
    screenshot(second, "widget-waiting-in-queue")

    # An agent takes the first customer: the second moves up, the first sees the person instead.
    agent = new_context().new_page()
    sign_in(agent, fast_web, AGENT, "/agent")
    agent.get_by_test_id(f"queue-item-{first_id}").click()
    expect(agent.get_by_test_id("conv-id")).to_have_text(first_id, timeout=10_000)
    agent.get_by_test_id("claim").click()
    expect(first.get_by_test_id("notice").last).to_contain_text("has joined", timeout=10_000)
    expect(_banner(first)).to_be_hidden(timeout=10_000)
    expect(_banner(second, "waiting-position")).to_have_text("You're next in the queue.", timeout=10_000)
    assert redis.hget(KEYS.handoff(second_id), "last_seen") is not None


def test_out_of_hours_the_customer_leaves_an_e_mail_and_on_leaving_moves_to_follow_up(
    fast_web: str, redis: Redis, hours: Callable[[bool], None], new_context: Callable[..., BrowserContext]
) -> None:
    hours(False)
    context = new_context(viewport={"width": 390, "height": 844})
    customer, cid, reply = _ask_for_a_person(context, fast_web)
    assert re.search(r"offline right now and back (today|tomorrow) at \d{1,2}:\d\d [ap]m UTC", reply), reply
    assert "e-mail address" in reply
    expect(_banner(customer, "waiting-eta")).to_contain_text("Our team is offline right now and back")
    form = _banner(customer, "waiting-email-form")
    expect(form).to_be_visible(timeout=10_000)

    # A wrong address is refused by the server, in words; a right one is kept and shown masked.
    _banner(customer, "waiting-email").fill("sam.lee@")
    _banner(customer, "waiting-email-send").click()
    expect(_banner(customer, "waiting-email-error")).to_have_text(
        "Please check the e-mail address: it doesn't look right."
    )
    assert redis.hget(KEYS.handoff(cid), "contact_email") is None
    _banner(customer, "waiting-email").fill("Sam.Lee@Example.net")
    _banner(customer, "waiting-email-send").click()
    expect(_banner(customer, "waiting-email-saved")).to_have_text(
        "Thanks! We'll also reply to sa•••@example.net."
    )
    expect(form).to_be_hidden()
    assert redis.hget(KEYS.handoff(cid), "contact_email") == "sam.lee@example.net"
    screenshot(customer, "widget-out-of-hours-email")

    # While the widget is open the customer is there; once the tab is closed, they have gone.
    time.sleep(GONE_AFTER_S + 2 * SWEEP_EVERY_S)
    assert redis.hget(KEYS.handoff(cid), "status") == "waiting"
    context.close()
    deadline = time.monotonic() + GONE_AFTER_S + 60  # the stack's own app may hold a round's lock
    while redis.hget(KEYS.handoff(cid), "status") != "follow_up":
        assert time.monotonic() < deadline, "the customer who left was not moved to follow-up"
        time.sleep(0.5)
    record = redis.hgetall(KEYS.handoff(cid))
    assert record["contact_email"] == "sam.lee@example.net" and float(record["follow_up_at"]) > 0
    audited = [f for _, f in redis.xrevrange(KEYS.audit, count=200) if f.get("target") == cid]
    assert any(f["action"] == "handoff.follow_up" and f["actor"] == "system:sweeper" for f in audited)

    # Agents see the address (the conversation's handoff record in the console's API).
    agent = new_context().new_page()
    sign_in(agent, fast_web, AGENT, "/agent")
    view = agent.request.get(f"{fast_web}/api/agent/conversations/{cid}").json()
    assert view["handoff"]["status"] == "follow_up"
    assert view["handoff"]["contact_email"] == "sam.lee@example.net"
