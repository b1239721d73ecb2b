"""The web app's /healthz, /readyz and /metrics, and the metrics of requests, streams and the queue.

On a Redis database of its own (``TEST_WEB_OPERATIONS_REDIS_URL``), flushed before and after.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import Keys
from web import metrics
from web.agent.desk import HandoffDesk
from web.app import BUNDLES, create_app
from web.settings import WebSettings

DEAD_REDIS = "redis://127.0.0.1:1/0"
KEYS = Keys("cs")


@pytest.fixture
def redis_url() -> str:
    return os.environ.get("TEST_WEB_OPERATIONS_REDIS_URL", "redis://127.0.0.1:6379/2")


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    return tmp_path


@pytest.fixture
def client_for(build_dir: Path) -> Iterator[type[TestClient]]:
    opened: list[TestClient] = []

    def start(redis_url: str) -> TestClient:
        client = TestClient(create_app(WebSettings(web_build_dir=build_dir, redis_url=redis_url)))
        opened.append(client.__enter__())
        return client

    yield start  # type: ignore[misc]
    for client in opened:
        client.__exit__(None, None, None)


def _sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_health_and_readiness_answer_without_a_session(
    client_for: type[TestClient], redis_url: str, sync_redis: object
) -> None:
    client = client_for(redis_url)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "checks": {"redis": "ok"}}


def test_without_redis_the_app_lives_but_is_not_ready(client_for: type[TestClient]) -> None:
    client = client_for(DEAD_REDIS)
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "not ready",
        "checks": {"redis": "no answer (ConnectionError)"},
        "reason": "redis: no answer (ConnectionError)",
    }
    # The queue's gauges are left out; everything else is still served.
    scraped = client.get("/metrics")
    assert scraped.status_code == 200 and "cs_handoff_queue_length" not in scraped.text


def test_requests_are_counted_by_route_template_and_status_class(client_for: type[TestClient]) -> None:
    client = client_for(DEAD_REDIS)
    template = "/api/agent/conversations/{conversation_id}/claim"
    before = _sample("cs_http_request_duration_seconds_count", route=template, method="POST", status="4xx")
    healthz = _sample("cs_http_request_duration_seconds_count", route="/healthz", method="GET", status="2xx")
    lost = _sample("cs_http_request_duration_seconds_count", route="other", method="GET", status="4xx")

    client.get("/healthz")
    client.post("/api/agent/conversations/C10001-secret-conversation/claim")  # not signed in: 401
    client.get("/no/such/page/ada@example.com")

    scraped = client.get("/metrics").text
    assert _sample(
        "cs_http_request_duration_seconds_count", route="/healthz", method="GET", status="2xx"
    ) == (healthz + 1)
    assert (
        _sample("cs_http_request_duration_seconds_count", route=template, method="POST", status="4xx")
        == before + 1
    )
    assert (
        _sample("cs_http_request_duration_seconds_count", route="other", method="GET", status="4xx")
        == lost + 1
    )
    assert re.search(
        r'cs_http_request_duration_seconds_count\{method="GET",route="/healthz",status="2xx"\}', scraped
    )
    assert "C10001" not in scraped and "ada@example.com" not in scraped


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_metrics_through_a_proxy_are_not_found(client_for: type[TestClient], header: str) -> None:
    client = client_for(DEAD_REDIS)
    assert client.get("/metrics", headers={header: "203.0.113.9"}).status_code == 404
    assert client.get("/metrics").status_code == 200


def test_an_exception_is_counted_as_a_server_error() -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("a bug")

    app = Starlette(routes=[Route("/broken/{id}", broken)], middleware=[])
    app.add_middleware(metrics.RequestMetricsMiddleware)
    before = _sample(
        "cs_http_request_duration_seconds_count", route="/broken/{id}", method="GET", status="5xx"
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/broken/7").status_code == 500
    assert _sample(
        "cs_http_request_duration_seconds_count", route="/broken/{id}", method="GET", status="5xx"
    ) == (before + 1)


async def _queue(redis: Redis, cid: str, at: float) -> None:
    request = HandoffRequest(conversation_id=cid, reason="customer asked for a person", requested_at=at)
    await HandoffQueue(redis, KEYS).enqueue(request)


async def test_a_new_claim_knows_how_long_the_conversation_waited(redis: Redis) -> None:
    await _queue(redis, "c-waited", time.time() - 90)
    desk = HandoffDesk(redis, KEYS)
    first = await desk.claim("c-waited", "sam", "Sam")
    assert first.outcome == "claimed" and first.waited_s == pytest.approx(90, abs=5)
    assert "waited_s" not in first.model_dump()  # not part of the console's answer
    renewed = await desk.claim("c-waited", "sam", "Sam")
    assert renewed.outcome == "claimed" and renewed.waited_s is None
    assert (await desk.claim("c-waited", "kim", "Kim")).waited_s is None


async def test_the_queue_summary_counts_waiting_and_claimed(redis: Redis) -> None:
    now = time.time()
    await _queue(redis, "c-old", now - 600)
    await _queue(redis, "c-new", now - 30)
    await _queue(redis, "c-taken", now - 900)
    desk = HandoffDesk(redis, KEYS)
    await desk.claim("c-taken", "sam", "Sam")
    summary = await desk.summary(now=now)
    assert (summary.waiting, summary.claimed) == (2, 1)
    assert summary.oldest_waiting_s == pytest.approx(600, abs=1)


def test_the_queue_is_read_at_each_scrape(
    client_for: type[TestClient], redis_url: str, sync_redis: object
) -> None:
    client = client_for(redis_url)

    async def fill() -> None:
        redis = Redis.from_url(redis_url)
        await _queue(redis, "c-1", time.time() - 120)
        await _queue(redis, "c-2", time.time() - 5)
        await HandoffDesk(redis, KEYS).claim("c-2", "sam", "Sam")
        await redis.aclose()

    assert 'cs_handoff_queue_length{status="waiting"} 0.0' in client.get("/metrics").text
    asyncio.run(fill())
    scraped = client.get("/metrics").text
    assert 'cs_handoff_queue_length{status="waiting"} 1.0' in scraped
    assert 'cs_handoff_queue_length{status="claimed"} 1.0' in scraped
    oldest = re.search(r"^cs_handoff_oldest_wait_seconds (\S+)$", scraped, re.MULTILINE)
    assert oldest is not None and 115 < float(oldest.group(1)) < 200


def test_takeovers_hand_backs_and_closes_are_counted_with_the_wait() -> None:
    claims = _sample("cs_handoff_transitions_total", transition="claim")
    waits = _sample("cs_handoff_queue_wait_seconds_count")
    closes = _sample("cs_handoff_transitions_total", transition="close")
    metrics.handoff_claimed(42.0)
    metrics.handoff_left("close")
    metrics.handoff_left("C10001")
    assert _sample("cs_handoff_transitions_total", transition="claim") == claims + 1
    assert _sample("cs_handoff_queue_wait_seconds_count") == waits + 1
    assert _sample("cs_handoff_transitions_total", transition="close") == closes + 1
    assert _sample("cs_handoff_transitions_total", transition="C10001") == 0


async def test_an_open_stream_is_a_live_connection_until_it_ends() -> None:
    async def events() -> AsyncIterator[int]:
        yield 1
        yield 2

    start = _sample("cs_live_connections", stream="agent")
    stream = metrics.live_stream("agent", events())
    assert await anext(stream) == 1
    assert _sample("cs_live_connections", stream="agent") == start + 1
    assert [event async for event in stream] == [2]
    assert _sample("cs_live_connections", stream="agent") == start
