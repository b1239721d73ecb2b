"""A customer grows angry; the conversation goes to a person and comes back to the bot."""

from __future__ import annotations

import json

import httpx
import pytest
from redis import Redis

from stack.assistant import Assistant
from tests.integration.conftest import Say, texts
from tests.integration.test_conversations import _order_with_status, _tracker

pytestmark = pytest.mark.integration

# Strongest negative state with the committed model: about 0.17, 0.65, 0.74.
GROWING_ANGER = [
    "hmm, it still hasn't arrived",
    "still nothing. this is annoying",
    "you guys are useless, I'm so angry",
]


def test_growing_anger_hands_off_with_a_reason_then_resumes(
    assistant: Assistant, say: Say, sender: str, store_redis: Redis
) -> None:
    order = _order_with_status(store_redis, {"in_transit", "shipped"})
    say("where is my order?")
    say(order["id"])
    assert order["tracking_number"] in texts(say(order["email"]))

    for text in GROWING_ANGER[:-1]:
        assert say(text), f"the bot should still answer {text!r}"
        assert store_redis.zscore("cs:handoff:queue", sender) is None
    reply = texts(say(GROWING_ANGER[-1]))
    assert "a person will follow up" in reply

    request = json.loads(store_redis.hget(f"cs:handoff:{sender}", "request"))
    assert any(words in request["reason"] for words in ("rising over 3 turns", "of the last 3 messages",
                                                         "very negative message"))  # fmt: skip
    assert request["priority"] in ("high", "urgent")
    timeline = [json.loads(e) for e in store_redis.lrange(f"cs:emotion:{sender}", 0, -1)]
    assert len(timeline) >= 6 and timeline[-1]["reading"]["negative"] > timeline[-3]["reading"]["negative"]
    assert _tracker(assistant, sender)["paused"] is True

    # Paused: the customer's messages are recorded, the bot stays silent.
    assert say("hello? anyone there?") == []
    assert "hello? anyone there?" in [e.get("text") for e in _tracker(assistant, sender)["events"]]

    token = assistant.settings.rasa_token.get_secret_value()
    httpx.post(f"{assistant.rasa_url}/conversations/{sender}/tracker/events", params={"token": token},
               json={"event": "resume"}, timeout=30).raise_for_status()  # fmt: skip
    # Resumed: the bot carries on with its slots and does not ask for the order again.
    reply = texts(say("ok, so where is my order now?"))
    assert f"#{order['id']}" in reply


def test_asking_for_a_person_pauses_the_bot(say: Say, sender: str, store_redis: Redis) -> None:
    assert "a person will follow up" in texts(say("can I talk to a real person please"))
    request = json.loads(store_redis.hget(f"cs:handoff:{sender}", "request"))
    assert "customer asked for a person" in request["reason"]
    assert say("thanks") == []
