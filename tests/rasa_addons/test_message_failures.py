"""A message Rasa cannot handle at all (Redis down) still gets the technical-problem reply."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.shared.core.domain import Domain
from redis.exceptions import ConnectionError as RedisConnectionError

from rasa_addons import message_failures, metrics

DOMAIN = Domain.from_yaml("""
version: "3.1"
responses:
  utter_technical_problem: [{text: "Sorry, technical problem."}]
""")


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``message_failures.install()`` on top of Rasa's own ``Agent.handle_message``, undone afterwards."""
    monkeypatch.setattr(Agent, "handle_message", Agent.handle_message)
    message_failures.install()
    yield


def _dead_port() -> int:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_message_whose_lock_store_is_down_gets_the_apology(installed: None) -> None:
    metrics.create()
    before = metrics.current().failed.labels("redis")._value.get()  # type: ignore[union-attr]
    agent = Agent(domain=DOMAIN, lock_store=RedisLockStore(host="127.0.0.1", port=_dead_port()))
    agent.processor = SimpleNamespace()  # type: ignore[assignment]  # ready; the lock fails first
    output = CollectingOutputChannel()

    assert await agent.handle_message(UserMessage("hello?", output, "customer-1")) is None

    assert output.messages == [{"recipient_id": "customer-1", "text": "Sorry, technical problem."}]
    assert metrics.current().failed.labels("redis")._value.get() == before + 1  # type: ignore[union-attr]


async def test_any_other_failure_is_answered_too(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: Agent, message: UserMessage) -> Any:
        raise KeyError("slot")

    monkeypatch.setattr(Agent, "handle_message", broken)
    message_failures.install()
    output = CollectingOutputChannel()
    await Agent(domain=None).handle_message(UserMessage("hi", output, "customer-2"))
    # No domain to read the response from: the same words, built in.
    assert output.messages == [{"recipient_id": "customer-2", "text": message_failures.FALLBACK_TEXT}]


def test_the_kind_follows_the_cause() -> None:
    try:
        try:
            raise RedisConnectionError("Error 111 connecting")
        except RedisConnectionError as cause:
            raise LockError("Error while acquiring lock") from cause
    except LockError as error:
        assert message_failures.failure_kind(error) == "redis"
    assert message_failures.failure_kind(LockError("lock is taken")) == "error"
    assert message_failures.failure_kind(ValueError("bad")) == "error"


def test_the_fallback_text_is_the_domains() -> None:
    core = Domain.load("bot/domain/core.yml")
    assert core.responses["utter_technical_problem"][0]["text"] == message_failures.FALLBACK_TEXT
