"""Rasa builds the tracker store of bot/endpoints.yml with socket timeouts (Rasa environment)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from rasa_addons.tracker_store import TimedRedisTrackerStore

ENDPOINTS = Path(__file__).parents[2] / "bot" / "endpoints.yml"
ENV = {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "9", "REDIS_PASSWORD": "",
       "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook", "ACTION_SERVER_TOKEN": "t"}  # fmt: skip


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> TrackerStore:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return TrackerStore.create(read_endpoint_config(str(ENDPOINTS), "tracker_store"), Domain.empty())


def test_the_tracker_store_gives_up_on_a_silent_redis(store: TrackerStore) -> None:
    inner = getattr(store, "_tracker_store", store)  # Rasa may wrap it to make it awaitable
    assert isinstance(inner, TimedRedisTrackerStore)
    options = inner.red.connection_pool.connection_kwargs
    assert (options["socket_timeout"], options["socket_connect_timeout"]) == (5.0, 2.0)
    assert (options["db"], inner.key_prefix, inner.record_exp) == (9, "cs:tracker:", 2592000)


async def test_it_stores_and_retrieves_a_tracker(store: TrackerStore) -> None:
    tracker = DialogueStateTracker("timed-store-test", [])
    await store.save(tracker)
    assert (await store.retrieve("timed-store-test")) is not None
    inner = getattr(store, "_tracker_store", store)
    inner.red.delete(inner.key_prefix + "timed-store-test")
