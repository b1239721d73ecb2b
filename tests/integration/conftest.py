"""The real assistant for end-to-end tests: Redis, action server, Rasa server, web app."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from redis import Redis

from stack.assistant import Assistant
from stack.config import StackSettings

# Database 14 holds the e2e stack's store and trackers; unit-level Redis tests flush 15.
E2E_REDIS_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    Redis.from_url(E2E_REDIS_URL).flushdb()
    settings = StackSettings(
        redis_url=E2E_REDIS_URL,
        rasa_port=int(os.environ.get("E2E_RASA_PORT", "15005")),
        action_port=int(os.environ.get("E2E_ACTION_PORT", "15055")),
        web_port=int(os.environ.get("E2E_WEB_PORT", "18080")),
        data_dir=tmp_path_factory.mktemp("stack"),
    )
    with Assistant(settings) as running:
        yield running
    Redis.from_url(E2E_REDIS_URL).flushdb()


@pytest.fixture(scope="session")
def store_redis(assistant: Assistant) -> Redis:
    return Redis.from_url(E2E_REDIS_URL, decode_responses=True)


Say = Callable[[str], list[dict[str, Any]]]


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def say(assistant: Assistant, sender: str) -> Say:
    """Send one customer message over the REST channel; returns the bot's messages."""

    def send(text: str) -> list[dict[str, Any]]:
        response = httpx.post(
            f"{assistant.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    return send


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)
