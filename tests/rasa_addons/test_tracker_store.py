"""Rasa builds the tracker store of bot/endpoints.yml with socket timeouts (Rasa environment)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import RedisTrackerStore, TrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from rasa_addons import metrics
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


SAVES: list[str] = []


class _Broker(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict] = []  # type: ignore[type-arg]

    def publish(self, event: dict) -> None:  # type: ignore[type-arg]
        self.published.append(event)


def _stores(monkeypatch: pytest.MonkeyPatch) -> tuple[TimedRedisTrackerStore, RedisTrackerStore, _Broker]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    SAVES.clear()
    monkeypatch.setattr(metrics, "tracker_saved", SAVES.append)
    broker = _Broker()
    timed = TimedRedisTrackerStore(Domain.empty(), db=9, event_broker=broker, key_prefix="fastsavetest")
    stock = RedisTrackerStore(Domain.empty(), db=9, key_prefix="stocksavetest")
    return timed, stock, broker


def _turn(sender: str, text: str, at: float) -> list[Event]:
    return [
        UserUttered(text, {"name": "greet", "confidence": 0.9}, timestamp=at),
        ActionExecuted("utter_greet", timestamp=at + 0.1),
        BotUttered(f"hello {text}", timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


async def _turns_saved(store: RedisTrackerStore, sender: str, turns: int) -> DialogueStateTracker:
    # As Rasa creates a conversation: an action_listen before the first session starts, so
    # retrieve returns the session alone and save must put the action_listen back before it.
    start = [
        ActionExecuted("action_listen", timestamp=0.5),
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=1.0),
        SessionStarted(timestamp=1.0),
    ]
    await store.save(DialogueStateTracker.from_events(sender, start))
    for turn in range(turns):
        tracker = await store.retrieve(sender)
        assert tracker is not None
        for event in _turn(sender, f"t{turn}", 10.0 + turn):
            tracker.update(event)
        await store.save(tracker)
    saved = await store.retrieve_full_tracker(sender)
    assert saved is not None
    return saved


def _clean(*stores: RedisTrackerStore) -> None:
    for store in stores:
        for key in store.red.keys(store.key_prefix + "*"):
            store.red.delete(key)


async def test_a_turn_saved_from_its_read_stores_what_stock_rasa_stores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    timed, stock, broker = _stores(monkeypatch)
    try:
        fast = await _turns_saved(timed, "c1", 3)
        assert SAVES == ["rasa", "appended", "appended", "appended"]  # a new conversation, then 3 turns
        slow = await _turns_saved(stock, "c1", 3)
        assert [e.as_dict() for e in fast.events] == [e.as_dict() for e in slow.events]
        assert fast.latest_message.text == "t2" and len(fast.events) == 15
        # The broker got every event once, in order: the first save's and each turn's new ones.
        assert [e["event"] for e in broker.published] == ["action", "action", "session_started"] + [
            "user",
            "action",
            "bot",
            "action",
        ] * 3
        assert [e["text"] for e in broker.published if e["event"] == "user"] == ["t0", "t1", "t2"]
    finally:
        _clean(timed, stock)


async def test_a_tracker_written_by_another_process_meanwhile_is_merged_as_rasa_merges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    timed, _, broker = _stores(monkeypatch)
    try:
        await _turns_saved(timed, "c2", 1)
        mine = await timed.retrieve("c2")
        other = await TimedRedisTrackerStore(Domain.empty(), db=9, key_prefix="fastsavetest").retrieve("c2")
        assert mine is not None and other is not None
        other.update(BotUttered("an agent's reply", timestamp=20.0))
        await TimedRedisTrackerStore(Domain.empty(), db=9, key_prefix="fastsavetest").save(other)
        for event in _turn("c2", "mine", 21.0):
            mine.update(event)
        await timed.save(mine)
        assert SAVES[-1] == "merged"
        saved = await timed.retrieve_full_tracker("c2")
        assert saved is not None
        texts = [getattr(e, "text", None) for e in saved.events if isinstance(e, (UserUttered, BotUttered))]
        assert "an agent's reply" in texts and "mine" in texts
        assert sum(e["event"] == "user" and e["text"] == "mine" for e in broker.published) == 1
    finally:
        _clean(timed)


async def test_a_save_from_its_read_is_one_write_that_keeps_the_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    timed, _, _ = _stores(monkeypatch)
    timed.record_exp = 600
    try:
        await _turns_saved(timed, "c6", 1)
        tracker = await timed.retrieve("c6")
        assert tracker is not None
        reads: list[str] = []
        real_get = timed.red.get
        monkeypatch.setattr(timed.red, "get", lambda key: reads.append(key) or real_get(key))
        for event in _turn("c6", "again", 30.0):
            tracker.update(event)
        await timed.save(tracker)
        assert SAVES[-1] == "appended" and reads == []  # the stored text is compared inside Redis
        assert 0 < timed.red.ttl(timed.key_prefix + "c6") <= 600
        saved = await timed.retrieve("c6")
        assert saved is not None and saved.latest_message.text == "again"
    finally:
        _clean(timed)


async def test_a_conversation_that_expired_before_its_save_is_written_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    timed, _, _ = _stores(monkeypatch)
    try:
        await _turns_saved(timed, "c7", 1)
        tracker = await timed.retrieve("c7")
        assert tracker is not None
        timed.red.delete(timed.key_prefix + "c7")
        for event in _turn("c7", "late", 40.0):
            tracker.update(event)
        await timed.save(tracker)
        assert SAVES[-1] == "merged"
        saved = await timed.retrieve("c7")
        assert saved is not None and saved.latest_message.text == "late"
    finally:
        _clean(timed)


async def test_a_tracker_not_read_from_the_store_takes_rasas_path(monkeypatch: pytest.MonkeyPatch) -> None:
    timed, _, _ = _stores(monkeypatch)
    try:
        await _turns_saved(timed, "c3", 2)
        rebuilt = DialogueStateTracker.from_events(
            "c3", [SessionStarted(timestamp=1.0), *_turn("c3", "x", 40.0)]
        )
        await timed.save(rebuilt)
        assert SAVES[-1] == "rasa"
        saved = await timed.retrieve_full_tracker("c3")
        assert saved is not None
        # Rasa's merge keeps the stored turns and adds the rebuilt tracker's new one.
        assert [e.text for e in saved.events if isinstance(e, UserUttered)] == ["t0", "t1", "x"]
    finally:
        _clean(timed)


async def test_a_later_session_is_saved_with_the_earlier_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    timed, _, _ = _stores(monkeypatch)
    try:
        await _turns_saved(timed, "c4", 1)
        tracker = await timed.retrieve("c4")
        assert tracker is not None
        # A new session, as Rasa starts one: the session-start action, then its event.
        tracker.update(ActionExecuted(ACTION_SESSION_START_NAME, timestamp=100.0))
        tracker.update(SessionStarted(timestamp=100.0))
        await timed.save(tracker)
        latest = await timed.retrieve("c4")  # only the new session
        assert latest is not None and not any(isinstance(e, UserUttered) for e in latest.events)
        for event in _turn("c4", "second session", 101.0):
            latest.update(event)
        await timed.save(latest)
        assert SAVES[-1] == "appended"
        saved = await timed.retrieve_full_tracker("c4")
        assert saved is not None
        assert [e.text for e in saved.events if isinstance(e, UserUttered)] == ["t0", "second session"]
    finally:
        _clean(timed)


async def test_a_tracker_saved_twice_in_a_turn_appends_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    timed, _, broker = _stores(monkeypatch)
    try:
        await _turns_saved(timed, "c5", 1)
        tracker = await timed.retrieve("c5")
        assert tracker is not None
        first, second = _turn("c5", "a", 30.0), _turn("c5", "b", 31.0)
        for event in first:
            tracker.update(event)
        await timed.save(tracker)
        for event in second:
            tracker.update(event)
        await timed.save(tracker)
        assert SAVES[-2:] == ["appended", "appended"]
        saved = await timed.retrieve_full_tracker("c5")
        assert saved is not None
        assert [e.text for e in saved.events if isinstance(e, UserUttered)] == ["t0", "a", "b"]
        assert [e.get("text") for e in broker.published if e["event"] == "user"] == ["t0", "a", "b"]
    finally:
        _clean(timed)
