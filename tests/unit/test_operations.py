"""The action server's /healthz, /readyz and /metrics, and the timing of every action call.

The app is rasa-sdk's own (``create_app``) with our bearer check and routes, driven over
ASGI in this process: what Rasa, Prometheus and a probe would see. Readiness asks the Redis
of ``--redis-url`` only PING (nothing is written).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import rasa_sdk
from rasa_sdk import Action, Tracker
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher
from sanic import Sanic

from actions import metrics
from actions.endpoint_auth import require_token
from actions.errors import StoreUnavailable
from actions.operations import add_operations_routes, timed_run
from actions.services import Services
from actions.settings import Settings
from actions.worker_load import WORKER_LOAD

TOKEN = "t" * 40
DEAD_REDIS = "redis://127.0.0.1:1/0"


class _Trial(Action):
    # How many other conversations each call saw being served (within a minute).
    seen: list[int] = []

    def name(self) -> str:
        return "action_trial"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> list[dict[str, Any]]:
        await asyncio.sleep(0.01)
        self.seen.append(WORKER_LOAD.others_within(tracker.sender_id, 60.0))
        await asyncio.sleep(0.02)
        return []


class _Broken(Action):
    def name(self) -> str:
        return "action_trial_broken"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> list[dict[str, Any]]:
        raise KeyError("a bug")


class _Models(Services):
    """Services whose models are as a test says (no model is loaded)."""

    def __init__(self, redis_url: str, status: dict[str, str], warmed_up: bool = True) -> None:
        super().__init__(Settings(redis_url=redis_url))
        self._status = status
        self.warmed_up = warmed_up

    def model_status(self) -> dict[str, str]:
        return self._status


LOADED = {"emotion model": "loaded", "sentence encoder": "loaded", "generator": "loaded"}


def _call(name: str, sender_id: str = "c1") -> dict[str, Any]:
    return {"next_action": name, "sender_id": sender_id, "tracker": {"sender_id": sender_id},
            "domain": {"intents": []}, "version": rasa_sdk.__version__}  # fmt: skip


async def _lifespan(app: Sanic, event: str) -> None:
    messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await messages.put({"type": f"lifespan.{event}"})
    answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, messages.get, answers.put)
    )
    answer = await answers.get()
    assert answer["type"] == f"lifespan.{event}.complete", answer
    task.cancel()


Client = Callable[[Services, bool], Any]


@pytest.fixture
async def action_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Client]:
    """A client for rasa-sdk's app with our token check and operations routes, on given services."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setattr(ActionExecutor, "run", timed_run)
    clients: list[httpx.AsyncClient] = []

    async def start(services: Services, warm_up: bool = True) -> httpx.AsyncClient:
        executor = ActionExecutor()
        executor.register_action(_Trial())
        executor.register_action(_Broken())
        app = create_app(executor)
        require_token(app, TOKEN)
        add_operations_routes(app, lambda: services, warm_up)
        await _lifespan(app, "startup")
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://action-server")
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()


def _sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_health_readiness_and_metrics_need_no_token(action_server: Client, redis_url: str) -> None:
    client = await action_server(_Models(redis_url, LOADED), True)
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"models": "ok", "redis": "ok"}}
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert "# TYPE cs_action_duration_seconds histogram" in scraped.text


async def test_only_reading_is_open_the_webhook_still_needs_the_token(
    action_server: Client, redis_url: str
) -> None:
    client = await action_server(_Models(redis_url, LOADED), True)
    assert (await client.post("/metrics")).status_code == 401
    assert (await client.delete("/readyz")).status_code == 401
    assert (await client.post("/webhook", json=_call("action_trial"))).status_code == 401


async def test_every_action_call_is_timed_by_name_and_its_failures_counted(action_server: Client) -> None:
    client = await action_server(_Models(DEAD_REDIS, LOADED), True)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    timed = _sample("cs_action_duration_seconds_count", action="action_trial")
    broken = _sample("cs_action_errors_total", action="action_trial_broken", kind="unexpected")
    unknown = _sample("cs_action_errors_total", action="unknown", kind="not_found")

    assert (await client.post("/webhook", json=_call("action_trial"), headers=bearer)).status_code == 200
    assert (
        await client.post("/webhook", json=_call("action_trial_broken"), headers=bearer)
    ).status_code == 500
    assert (await client.post("/webhook", json=_call("C10001 hi"), headers=bearer)).status_code == 404

    assert _sample("cs_action_duration_seconds_count", action="action_trial") == timed + 1
    assert _sample("cs_action_duration_seconds_sum", action="action_trial") > 0
    assert _sample("cs_action_errors_total", action="action_trial_broken", kind="unexpected") == broken + 1
    assert _sample("cs_action_errors_total", action="unknown", kind="not_found") == unknown + 1
    scraped = (await client.get("/metrics")).text
    assert 'cs_action_duration_seconds_count{action="action_trial"}' in scraped
    assert "C10001" not in scraped  # a name the caller chose is never a label


async def test_each_call_records_its_conversation_for_the_in_process_models(action_server: Client) -> None:
    client = await action_server(_Models(DEAD_REDIS, LOADED), True)
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    _Trial.seen.clear()
    first, second = f"load-{uuid.uuid4().hex}", f"load-{uuid.uuid4().hex}"
    calls = [client.post("/webhook", json=_call(name, sender), headers=bearer)
             for name, sender in (("action_trial", first), ("action_trial", second),
                                  ("action_trial_broken", f"load-{uuid.uuid4().hex}"))]  # fmt: skip
    assert [r.status_code for r in await asyncio.gather(*calls)] == [200, 200, 500]
    # Each trial saw at least the other one, running at the same time.
    assert min(_Trial.seen) >= 1, _Trial.seen
    assert WORKER_LOAD.others_within(first, 60.0) >= 2  # the second and the broken one, ended now


@pytest.mark.parametrize(
    ("redis", "status", "warmed_up", "reason"),
    [
        (DEAD_REDIS, LOADED, True, "redis: no answer (ConnectionError)"),
        ("live", {**LOADED, "emotion model": "unavailable"}, True, "models: emotion model unavailable"),
        ("live", LOADED, False, "models: warm-up not finished"),
    ],
)
async def test_not_ready_names_the_reason(
    action_server: Client, redis_url: str, redis: str, status: dict[str, str], warmed_up: bool, reason: str
) -> None:
    services = _Models(redis_url if redis == "live" else redis, status, warmed_up)
    answer = await (await action_server(services, True)).get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "not ready" and answer.json()["reason"] == reason
    assert "6379" not in answer.text and "127.0.0.1" not in answer.text


async def test_a_missing_generator_or_lazy_models_do_not_make_the_worker_unready(
    action_server: Client, redis_url: str
) -> None:
    no_generator = _Models(redis_url, {**LOADED, "generator": "unavailable"})
    assert (await (await action_server(no_generator, True)).get("/readyz")).status_code == 200
    lazy = _Models(redis_url, dict.fromkeys(LOADED, "not loaded"), warmed_up=False)
    assert (await (await action_server(lazy, False)).get("/readyz")).status_code == 200


async def test_an_assistant_error_at_the_action_edge_is_counted_by_its_class() -> None:
    from actions.dialogue.base import ServiceAction

    class Failing(ServiceAction):
        def name(self) -> str:
            return "action_trial_edge"

        async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[Any]:
            raise StoreUnavailable("could not read the order")

    before = _sample("cs_action_errors_total", action="action_trial_edge", kind="StoreUnavailable")
    dispatcher = CollectingDispatcher()
    await Failing(_Models(DEAD_REDIS, LOADED)).run(dispatcher, Tracker.from_dict({"sender_id": "c1"}), {})
    assert dispatcher.messages[0]["response"] == "utter_technical_problem"
    assert (
        _sample("cs_action_errors_total", action="action_trial_edge", kind="StoreUnavailable") == before + 1
    )
