from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.turn_analysis import ActionValidateSlotMappings
from actions.emotion.detector import EmotionDetector
from actions.emotion.escalation import EscalationPolicy
from actions.emotion.timeline import TimelineEntry
from actions.errors import StoreUnavailable
from tests.unit.dialogue.fakes import services_with
from tests.unit.emotion.fakes import FixedScores

MESSAGES = {"where is my order": {"annoyance": 0.2}, "still nothing??": {"annoyance": 0.45},
            "this is useless": {"annoyance": 0.6, "anger": 0.6}, "I am furious": {"anger": 0.9}}  # fmt: skip


class ListTimeline:
    def __init__(self, down: bool = False) -> None:
        self.entries: dict[str, list[TimelineEntry]] = {}
        self.down = down

    async def recent(self, conversation_id: str, count: int) -> list[TimelineEntry]:
        if self.down:
            raise StoreUnavailable("Redis did not answer")
        return self.entries.get(conversation_id, [])[-count:]

    async def append(self, conversation_id: str, entry: TimelineEntry, recent: int) -> list[TimelineEntry]:
        self.entries.setdefault(conversation_id, []).append(entry)
        return self.entries[conversation_id][-recent:]


def _tracker(text: str, intent: str = "check_order_status", paused: bool = False, **slots: Any) -> Tracker:
    return Tracker("conv-9", slots, {"text": text, "intent": {"name": intent}, "message_id": f"m-{text}"},
                   [], paused, None, {}, "action_listen")  # fmt: skip


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def _action(timeline: ListTimeline) -> ActionValidateSlotMappings:
    services = services_with(emotion=EmotionDetector(FixedScores(MESSAGES)), emotion_timeline=timeline,
                             escalation=EscalationPolicy())  # fmt: skip
    return ActionValidateSlotMappings(services)


async def test_growing_anger_sets_the_handoff_slots_with_a_reason() -> None:
    timeline = ListTimeline()
    action = _action(timeline)
    for text in ("where is my order", "still nothing??"):
        slots = _slots(await action.run(CollectingDispatcher(), _tracker(text), {}))
        assert "handoff_due" not in slots
    slots = _slots(await action.run(CollectingDispatcher(), _tracker("I am furious"), {}))
    assert slots["handoff_due"] is True
    assert slots["handoff_reason"].startswith("anger rising over 3 turns")
    assert slots["handoff_priority"] == "urgent"
    assert slots["tone_hint"] == "apologise_first"
    assert slots["upsell_allowed"] is False
    assert [e.message_id for e in timeline.entries["conv-9"]] == ["m-where is my order", "m-still nothing??",
                                                                  "m-I am furious"]  # fmt: skip


async def test_paused_conversation_is_recorded_but_not_handed_off_again() -> None:
    timeline = ListTimeline()
    action = _action(timeline)
    for text in ("where is my order", "still nothing??"):
        await action.run(CollectingDispatcher(), _tracker(text), {})
    # The same rising anger that hands off an active conversation (test above):
    slots = _slots(await action.run(CollectingDispatcher(), _tracker("I am furious", paused=True), {}))
    assert "handoff_due" not in slots
    assert slots["tone_hint"] == "apologise_first"
    assert len(timeline.entries["conv-9"]) == 3


async def test_asking_for_a_person_is_a_reason() -> None:
    slots = _slots(
        await _action(ListTimeline()).run(
            CollectingDispatcher(), _tracker("where is my order", intent="request_human"), {}
        )
    )
    assert slots["handoff_reason"] == "customer asked for a person"
    assert slots["handoff_priority"] == "normal"


async def test_redis_down_leaves_the_turn_without_emotion() -> None:
    dispatcher = CollectingDispatcher()
    events = await _action(ListTimeline(down=True)).run(dispatcher, _tracker("I am furious"), {})
    assert _slots(events) == {}
    assert dispatcher.messages == []


async def test_a_message_analysed_twice_is_scored_and_recorded_once() -> None:
    timeline = ListTimeline()
    model = FixedScores(MESSAGES)
    services = services_with(
        emotion=EmotionDetector(model), emotion_timeline=timeline, escalation=EscalationPolicy()
    )
    action = ActionValidateSlotMappings(services)
    first = _slots(await action.run(CollectingDispatcher(), _tracker("still nothing??"), {}))
    again = _slots(await action.run(CollectingDispatcher(), _tracker("still nothing??"), {}))
    assert len(timeline.entries["conv-9"]) == 1
    assert model.calls == 1
    assert again == first


async def test_only_the_slots_whose_value_changed_are_set() -> None:
    action = _action(ListTimeline())
    first = _slots(await action.run(CollectingDispatcher(), _tracker("where is my order"), {}))
    assert set(first) == {"emotion", "emotion_scores", "sentiment", "tone_hint", "upsell_allowed"}
    # The next message reads the same emotion, tone and upsell; its scores differ.
    slots = {**first, "emotion_scores": {"ekman": {}}}
    latest = {"text": "where is my order", "intent": {"name": "check_order_status"}, "message_id": "m-2"}
    tracker = Tracker("conv-10", slots, latest, [], False, None, {}, "action_listen")
    changed = _slots(await action.run(CollectingDispatcher(), tracker, {}))
    assert changed == {"emotion_scores": first["emotion_scores"]}
