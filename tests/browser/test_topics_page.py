"""A marketer opens the topics the real topics job built, renames one and opens its drill-down."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect
from redis import Redis

from actions.keys import Keys
from jobs.topics import main as topics_job
from tests.browser.conftest import AGENT, BROWSER_REDIS_URL, MARKETER, screenshot, sign_in
from tests.unit.insights.fakes import append_messages

# Two subjects, several wordings each: the job (the real sentence encoder) makes a topic of each.
LATE = [
    "my parcel is late, the carrier has not delivered it yet",
    "the parcel is late and the carrier still has not delivered",
    "my parcel is very late, when will the carrier deliver it",
    "the carrier has not delivered my parcel, it is late",
    "where is my parcel, the carrier is late delivering it",
    "parcel late again, the carrier did not deliver it",
    "my late parcel has still not been delivered by the carrier",
    "why is my parcel late, the carrier has not delivered",
]
REFUND = [
    "when will i get my refund for the returned jacket",
    "i returned the jacket, where is my refund",
    "my refund for the returned jacket has not arrived",
    "still waiting for the refund of the jacket i returned",
    "how long does the refund for my returned jacket take",
    "refund for the returned jacket is missing",
]
NEW_NAME = "Late deliveries (browser test)"


def _seed_topics() -> None:
    """The customers' messages in the stack's event stream, then one run of the topics job."""
    redis = Redis.from_url(BROWSER_REDIS_URL)
    try:
        append_messages(redis, Keys("cs"), LATE + REFUND, time.time() - 3600, sender="topics-browser")
    finally:
        redis.close()
    assert topics_job(["run", "--redis-url", BROWSER_REDIS_URL]) == 0


def test_a_marketer_renames_a_topic_and_opens_its_drill_down(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    _seed_topics()
    page = new_context().new_page()
    sign_in(page, base_url, MARKETER, "/marketing/topics")
    # By its name: every row's merge choices list the other topics' names too.
    late = page.get_by_test_id("topic-row").filter(
        has=page.get_by_test_id("topic-name").filter(has_text="carrier")
    )
    expect(late).to_have_count(1)
    expect(late.get_by_test_id("topic-chart")).to_be_visible()
    screenshot(page, "marketer-topics")

    late.get_by_text("Rename or merge").click()
    late.get_by_test_id("rename-input").fill(NEW_NAME)
    late.get_by_test_id("rename-save").click()
    expect(page.get_by_test_id("topic-name").filter(has_text=NEW_NAME)).to_be_visible()

    page.get_by_test_id("topic-name").filter(has_text=NEW_NAME).click()
    expect(page.get_by_test_id("topic-title")).to_have_text(NEW_NAME)
    expect(page.get_by_test_id("topic-examples")).to_contain_text("carrier")
    # A marketer may not read conversations: counts, no links.
    conversations = page.get_by_test_id("topic-conversations")
    expect(conversations).to_contain_text("Reading conversations needs the agent role")
    expect(page.get_by_test_id("conversation-link")).to_have_count(0)
    screenshot(page, "marketer-topic")

    # An agent may read conversations; a link to one never handed to a person says why it does not open.
    agent = new_context().new_page()
    sign_in(agent, base_url, AGENT, "/agent")
    agent.goto(f"{base_url}/agent#conversation=topics-browser-0")
    expect(agent.get_by_test_id("open-error")).to_contain_text(
        "topics-browser-0: no handoff for this conversation"
    )
