"""The real assistant for end-to-end tests: Redis, action server, Rasa server, web app."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from redis import Redis

from stack.assistant import Assistant
from tests.scratch_stack import scratch_stack

# Database 14 holds the e2e stack's store and trackers; unit-level Redis tests flush 15.
E2E_REDIS_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with scratch_stack(
        E2E_REDIS_URL, "E2E", (15005, 15055, 18080), tmp_path_factory.mktemp("stack")
    ) as running:
        yield running


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
            f"{assistant.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    return send


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def metric_sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample ``name{labels}`` (labels in any order) in Prometheus text, else 0."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_:]+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    return 0.0
