"""A marketer sees each topic's measures and the questions the assistant could not answer, grouped by topic.

The customers' messages, the assistant's answers (with their ``answer_kind``), the emotion
timeline, a hand-off and ratings are written as the stack writes them; the real topics job
then builds the topics and their measures, which the pages show.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect
from redis import Redis

from actions.keys import Keys
from jobs.topics import main as topics_job
from tests.browser.conftest import AGENT, BROWSER_REDIS_URL, MARKETER, screenshot, sign_in

KEYS = Keys("cs")
# A subject the help centre does not cover; two questions carry an e-mail address and a name.
GIFT_WRAP = [
    "can you gift wrap my order and add a card for my mum, email me at jo.bloggs@example.com",
    "can you gift wrap the order with a handwritten card? my name is Alice Moreau",
    "do you offer gift wrapping with a card for an order?",
    "is gift wrapping with a card possible for my order?",
    "can the order be gift wrapped with a little card?",
    "I want my order gift wrapped with a card, can you do that?",
]


def _event(sender: str, kind: str, body: dict[str, object]) -> dict[str, str]:
    return {
        "sender_id": sender,
        "type": kind,
        "event": json.dumps({"sender_id": sender, "event": kind, **body}),
    }


def _reading(dominant: str) -> dict[str, object]:
    return {"labels": {}, "top": {}, "ekman": {dominant: 0.9}, "ekman_detected": [dominant], "states": {},
            "sentiment": 0.0, "dominant": dominant, "negative": 0.0}  # fmt: skip


def _seed() -> None:
    """Six conversations: a question, its emotion, a "not sure" or partial answer; then a topics run."""
    redis = Redis.from_url(BROWSER_REDIS_URL)
    start = time.time() - 3600
    try:
        for n, text in enumerate(GIFT_WRAP):
            sender, at = f"gaps-browser-{n}", start + 60 * n
            intent = {"intent": {"name": "product_question", "confidence": 0.9}, "entities": []}
            redis.xadd(
                KEYS.events,
                _event(
                    sender,
                    "user",
                    {"text": text, "timestamp": at, "message_id": f"gm{n}", "parse_data": intent},
                ),
            )
            entry = {
                "message_id": f"gm{n}",
                "at": at + 1,
                "intent": None,
                "reading": _reading("anger" if n < 2 else "neutral"),
            }
            redis.rpush(KEYS.emotion_timeline(sender), json.dumps(entry))
            kind = "unknown" if n < 4 else "partial"
            redis.xadd(
                KEYS.events,
                _event(
                    sender,
                    "bot",
                    {
                        "text": "I'm not sure.",
                        "timestamp": at + 2,
                        "data": {},
                        "metadata": {"answer_kind": kind},
                    },
                ),
            )
        redis.xadd(
            KEYS.events,
            _event("gaps-browser-0", "action", {"name": "action_request_handoff", "timestamp": start + 5}),
        )
        redis.xadd(KEYS.csat, {"conversation_id": "gaps-browser-1", "score": 2, "at": start + 100})
        redis.xadd(KEYS.csat, {"conversation_id": "gaps-browser-2", "score": 4, "at": start + 200})
    finally:
        redis.close()
    assert topics_job(["run", "--redis-url", BROWSER_REDIS_URL]) == 0


def test_a_marketer_reads_the_measures_and_the_knowledge_gaps(
    base_url: str, new_context: Callable[..., BrowserContext]
) -> None:
    _seed()
    page = new_context().new_page()
    sign_in(page, base_url, MARKETER, "/marketing/topics")
    wrap = page.get_by_test_id("topic-row").filter(
        has=page.get_by_test_id("topic-name").filter(has_text="gift")
    )
    expect(wrap).to_have_count(1)
    expect(wrap.get_by_test_id("emotion-chart")).to_be_visible()
    expect(wrap.get_by_test_id("topic-unanswered")).to_contain_text("100%")
    expect(wrap.get_by_test_id("topic-unanswered")).to_contain_text("6 of 6")
    expect(wrap.get_by_test_id("topic-csat")).to_contain_text("3.0")
    expect(wrap.get_by_test_id("topic-handoff-rate")).to_contain_text("17%")  # 1 of 6 conversations
    # The chart's table fallback has the figures.
    wrap.get_by_text("Show the emotions as a table").click()
    expect(wrap.get_by_test_id("emotion-table")).to_contain_text("anger (upset)")

    page.get_by_test_id("gaps-link").click()
    gaps = page.get_by_test_id("gap-row").filter(has=page.get_by_test_id("gap-topic").filter(has_text="gift"))
    expect(gaps).to_have_count(1)
    expect(gaps.get_by_test_id("gap-unknown")).to_have_text("4")
    expect(gaps.get_by_test_id("gap-partial")).to_have_text("2")
    examples = gaps.get_by_test_id("gap-examples")
    expect(examples.locator("li")).to_have_count(6)
    expect(examples.locator("li").first).to_contain_text("gift wrapped with a card")  # newest first
    expect(examples).to_contain_text("[e-mail]")
    expect(examples).not_to_contain_text("jo.bloggs@example.com")
    expect(examples).not_to_contain_text("Alice")
    expect(gaps.get_by_test_id("gap-conversation")).to_have_count(0)  # a marketer reads no conversations
    screenshot(page, "marketer-knowledge-gaps")

    gaps.get_by_test_id("gap-topic").click()
    expect(page.get_by_test_id("topic-measures")).to_contain_text("Questions the assistant could not answer")
    expect(page.get_by_test_id("topic-measures-table")).to_contain_text(
        '4 "not sure", 2 partial, of 6 answers'
    )

    # The page is the marketers': an agent is turned away.
    agent = new_context().new_page()
    sign_in(agent, base_url, AGENT, "/agent")
    response = agent.goto(f"{base_url}/marketing/gaps")
    assert response is not None and response.status == 403
    expect(agent.get_by_test_id("gaps-table")).to_have_count(0)
