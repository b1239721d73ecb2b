"""Health, readiness and metrics of the three real processes after a short conversation over REST.

The Rasa server and the action server run two Sanic workers each (the stack's defaults) and a
scrape reaches either one: every scrape must show the whole server's counts, so each server is
scraped several times.
"""

from __future__ import annotations

import httpx
import pytest

from stack.assistant import Assistant
from tests.integration.conftest import Say, metric_sample

pytestmark = pytest.mark.integration

# Enough scrapes that both workers of a two-worker server answer some of them.
SCRAPES = 6


def _intent_of_last_message(assistant: Assistant, sender: str) -> str:
    token = assistant.settings.rasa_token.get_secret_value()
    tracker = httpx.get(
        f"{assistant.rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=30
    ).json()
    return str(tracker["latest_message"]["intent"]["name"])


@pytest.fixture(scope="module")
def conversation(assistant: Assistant) -> str:
    """A short conversation over REST; the intent of its last message."""
    sender = "observability-check"
    for text in ("hi", "how much does express shipping cost?"):
        httpx.post(
            f"{assistant.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=30,
        ).raise_for_status()
    return _intent_of_last_message(assistant, sender)


def test_every_process_is_alive_and_ready(assistant: Assistant, conversation: str) -> None:
    for url in (assistant.rasa_url, assistant.action_url, assistant.web_url):
        assert httpx.get(f"{url}/healthz", timeout=10).json() == {"status": "ok"}, url
        ready = httpx.get(f"{url}/readyz", timeout=10)
        assert ready.status_code == 200, (url, ready.text)
        assert ready.json()["status"] == "ready" and set(ready.json()["checks"].values()) == {"ok"}


def test_the_rasa_servers_metrics_show_the_turns_intent_from_any_worker(
    assistant: Assistant, conversation: str
) -> None:
    for _ in range(SCRAPES):
        scraped = httpx.get(f"{assistant.rasa_url}/metrics", timeout=10)
        assert scraped.status_code == 200
        assert metric_sample(scraped.text, "cs_nlu_intents_total", intent=conversation) >= 1
        assert metric_sample(scraped.text, "cs_nlu_intents_total", intent="greet") >= 1
        assert metric_sample(scraped.text, "cs_rasa_message_duration_seconds_count", channel="rest") >= 2
        assert metric_sample(scraped.text, "cs_nlu_intent_confidence_count") >= 2
    assert "observability-check" not in scraped.text


def test_the_action_servers_metrics_show_the_actions_latency_without_the_token(
    assistant: Assistant, conversation: str
) -> None:
    for _ in range(SCRAPES):
        scraped = httpx.get(f"{assistant.action_url}/metrics", timeout=10)
        assert scraped.status_code == 200
        # Rasa calls it after every customer message: at least twice, whichever worker ran it.
        validations = metric_sample(
            scraped.text, "cs_action_duration_seconds_count", action="action_validate_slot_mappings"
        )
        assert validations >= 2
        assert metric_sample(scraped.text, "cs_emotions_total", emotion="neutral") >= 1
    # Reading is open; anything else on the port still needs the shared secret.
    assert httpx.post(f"{assistant.action_url}/metrics", timeout=10).status_code == 401
    assert httpx.post(f"{assistant.action_url}/webhook", json={}, timeout=10).status_code == 401


def test_the_web_apps_metrics_count_its_requests_by_route(assistant: Assistant, say: Say) -> None:
    for _ in range(3):
        httpx.get(f"{assistant.web_url}/healthz", timeout=10).raise_for_status()
    httpx.get(f"{assistant.web_url}/api/agent/queue", timeout=10)  # not signed in
    scraped = httpx.get(f"{assistant.web_url}/metrics", timeout=10)
    assert scraped.status_code == 200
    labels = {"route": "/healthz", "method": "GET", "status": "2xx"}
    assert metric_sample(scraped.text, "cs_http_request_duration_seconds_count", **labels) >= 3
    assert metric_sample(scraped.text, "cs_http_request_duration_seconds_count", route="/api/agent/queue",
                         method="GET", status="4xx") >= 1  # fmt: skip
    assert 'cs_handoff_queue_length{status="waiting"}' in scraped.text
