"""An over-long message is answered at once and never parsed (Rasa environment)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain

from rasa_addons import message_limits

DOMAIN = Domain.from_yaml("""
version: "3.1"
responses:
  utter_message_too_long: [{text: "Too long, please shorten it."}]
""")


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The messages that reached Rasa's own handling (the NLU and the policies); no rate limit."""
    seen: list[str] = []
    monkeypatch.setattr(message_limits, "too_fast", lambda sender_id: False)

    async def stock(self: Any, message: UserMessage) -> list[dict[str, Any]]:
        seen.append(message.text or "")
        return []

    monkeypatch.setattr(message_limits, "_stock_handle_message", stock)
    return seen


async def _send(text: str, domain: Domain = DOMAIN) -> list[dict[str, Any]] | None:
    processor: Any = SimpleNamespace(domain=domain)
    message = UserMessage(text, CollectingOutputChannel(), sender_id="c1")
    return await message_limits.handle_message_within_limits(processor, message)


@pytest.mark.parametrize("text", ["a" * 2001, "a." * 500_000, "x" * 1_000_000])
async def test_an_over_long_message_gets_the_domain_reply_without_being_parsed(
    text: str, parsed: list[str]
) -> None:
    replies = await _send(text)
    assert replies == [{"recipient_id": "c1", "text": "Too long, please shorten it."}]
    assert parsed == []


async def test_a_message_at_the_limit_goes_through(parsed: list[str]) -> None:
    await _send("a" * message_limits.MAX_MESSAGE_CHARS)
    assert parsed == ["a" * message_limits.MAX_MESSAGE_CHARS]


async def test_without_the_domain_response_the_built_in_wording_is_used(parsed: list[str]) -> None:
    replies = await _send("a" * 5000, Domain.empty())
    assert replies and replies[0]["text"] == message_limits.TOO_LONG_TEXT


def test_a_conversation_over_the_message_rate_is_slowed_down_in_redis() -> None:
    client = redis.Redis(db=9)
    sender = f"rate-{uuid.uuid4().hex}"
    try:
        allowed = [
            message_limits.too_fast(sender, client, now=1000.0) for _ in range(message_limits.MAX_MESSAGES)
        ]
        assert not any(allowed)
        assert message_limits.too_fast(sender, client, now=1001.0)  # same window, one too many
        assert not message_limits.too_fast("someone-else", client, now=1001.0)
        assert not message_limits.too_fast(
            sender, client, now=1000.0 + message_limits.WINDOW_S
        )  # a new window
    finally:
        client.delete(*client.keys(f"cs:limits:messages:{sender}:*"), "cs:limits:messages:someone-else:100")
        client.close()


def test_a_dead_redis_lets_messages_through() -> None:
    dead = redis.Redis(port=1, socket_connect_timeout=0.2)
    assert not message_limits.too_fast("anyone", dead)


async def test_a_too_fast_message_gets_the_slow_down_reply(
    monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    monkeypatch.setattr(message_limits, "too_fast", lambda sender_id: True)
    domain = Domain.from_yaml("""
version: "3.1"
responses:
  utter_slow_down: [{text: "Slow down, please."}]
""")
    assert await _send("hello", domain) == [{"recipient_id": "c1", "text": "Slow down, please."}]
    assert parsed == []
