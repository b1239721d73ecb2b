"""Redis crashes mid-conversation and comes back: with the project's persistence settings nothing is lost.

The stack runs on a redis-server of its own, started here with the settings of the deployment files
(append-only file, fsync every second, no eviction), so it can be killed and started again without
touching the machine's shared Redis.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from stack.assistant import Assistant
from stack.processes import ManagedProcess
from stack.redis_server import answers
from tests.integration.conftest import metric_sample, texts
from tests.scratch_stack import scratch_stack

pytestmark = pytest.mark.integration

# As deploy/compose.yml and deploy/kubernetes/redis.yaml run Redis (tests/unit/deploy checks those).
PERSISTENCE = ["--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnRedis:
    """A redis-server process on a free port, its files in ``directory``."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(directory),
                   "--save", "", *PERSISTENCE]  # fmt: skip
        self.process = ManagedProcess("redis-under-test", command, directory / "redis.log")

    def start(self) -> None:
        self.process.start()
        deadline = time.monotonic() + 10
        while not answers(self.url):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def crash(self) -> None:
        """SIGKILL: no shutdown, no final save; only what the append-only file already holds survives."""
        assert self.process.pid is not None
        os.kill(self.process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self.process.running:  # reaps it
            assert time.monotonic() < deadline, "redis-server did not die"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    redis = OwnRedis(tmp_path_factory.mktemp("redis-data"))
    redis.start()
    yield redis
    redis.process.stop()


@pytest.fixture(scope="module")
def assistant(own_redis: OwnRedis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    data_dir = tmp_path_factory.mktemp("redis-restart-stack")
    with scratch_stack(own_redis.url, "REDIS_RESTART", (15205, 15255, 18280), data_dir) as running:
        yield running


def _say(assistant: Assistant, sender: str, text: str) -> str:
    response = httpx.post(
        f"{assistant.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
    )
    response.raise_for_status()
    return texts(response.json())


def _events(assistant: Assistant, sender: str) -> list[dict]:
    token = assistant.settings.rasa_token.get_secret_value()
    response = httpx.get(
        f"{assistant.rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=30
    )
    response.raise_for_status()
    return list(response.json()["events"])


def _delivered_order(redis: Redis) -> dict:
    for order_id in sorted(redis.smembers("cs:store:order_ids"), reverse=True):
        order = json.loads(redis.get(f"cs:store:order:{order_id}"))
        if order["status"] == "delivered":
            return order
    raise AssertionError("the demo store has no delivered order")


def test_a_conversation_goes_on_with_its_slots_after_redis_crashes_and_restarts(
    assistant: Assistant, own_redis: OwnRedis
) -> None:
    redis = Redis.from_url(own_redis.url, decode_responses=True)
    order = _delivered_order(redis)
    sender = "redis-restart-customer"
    _say(assistant, sender, "hi")
    _say(assistant, sender, "has my order shipped yet?")
    _say(assistant, sender, order["id"])
    assert f"#{order['id']}" in _say(assistant, sender, order["email"])
    before = _events(assistant, sender)
    keys_before = set(redis.scan_iter(count=1000))
    time.sleep(1.5)  # what everysec may still hold in the kernel's page cache is written by now

    own_redis.crash()
    try:
        # While Redis is down the customer still gets a reply, not a dead widget, and operators see it.
        assert "technical problem" in _say(assistant, sender, "hello?").lower()
        metrics = httpx.get(f"{assistant.rasa_url}/metrics", timeout=10).text
        assert metric_sample(metrics, "cs_rasa_messages_failed_total", kind="redis") >= 1
    finally:
        own_redis.start()

    # Every event recorded before the crash is still there, in order, and the slots with them.
    after = _events(assistant, sender)
    assert after[: len(before)] == before
    assert keys_before <= set(redis.scan_iter(count=1000))  # the store, accounts, rules, trackers
    token = assistant.settings.rasa_token.get_secret_value()
    slots = httpx.get(
        f"{assistant.rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=30
    ).json()["slots"]
    assert (slots["order_id"], slots["email"]) == (order["id"], order["email"])
    # The same conversation goes on: the bot does not ask again for the order.
    reply = _say(assistant, sender, "can you check my order status")
    assert f"#{order['id']}" in reply
    assert "order number?" not in reply
    assert len(_events(assistant, sender)) > len(before)
