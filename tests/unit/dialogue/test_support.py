from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.support import ActionRequestHandoff, consecutive_fallbacks
from tests.unit.dialogue.fakes import FakeStore, services_with, tracker


def _user(intent: str) -> dict:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def test_consecutive_fallbacks_counts_only_the_latest_run() -> None:
    events = [
        _user("nlu_fallback"),
        _user("greet"),
        {"event": "bot"},
        _user("nlu_fallback"),
        _user("nlu_fallback"),
    ]
    assert consecutive_fallbacks(tracker(events=events)) == 2


def test_fallback_count_starts_afresh_after_a_handoff_and_resume() -> None:
    events = [
        _user("nlu_fallback"),
        _user("nlu_fallback"),
        {"event": "action", "name": "action_request_handoff"},
        {"event": "resume"},
        _user("nlu_fallback"),
    ]
    assert consecutive_fallbacks(tracker(events=events)) == 1


class RecordingQueue:
    def __init__(self, down: bool = False) -> None:
        self.requests: list = []
        self.down = down

    async def enqueue(self, request, document=None) -> None:  # type: ignore[no-untyped-def]
        if self.down:
            from actions.errors import StoreUnavailable

            raise StoreUnavailable("down")
        self.requests.append(request)


async def test_handoff_queues_with_the_policy_reason_and_pauses() -> None:
    queue = RecordingQueue()
    action = ActionRequestHandoff(services_with(handoff=queue, store=FakeStore()))
    dispatcher = CollectingDispatcher()
    slots = {
        "handoff_reason": "anger rising over 3 turns",
        "handoff_priority": "urgent",
        "tone_hint": "apologise_first",
    }
    events = await action.run(dispatcher, tracker(slots), {})
    assert (queue.requests[0].reason, queue.requests[0].priority) == ("anger rising over 3 turns", "urgent")
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_queued_apology"]
    assert {"event": "pause", "timestamp": None} in events
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)


async def test_handoff_when_redis_is_down_tells_the_customer_how_to_reach_a_person() -> None:
    action = ActionRequestHandoff(services_with(handoff=RecordingQueue(down=True), store=FakeStore()))
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker({}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_unavailable"]
    assert all(e["event"] != "pause" for e in events)
