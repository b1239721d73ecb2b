"""The cached event-type lookup answers as Rasa's own."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from rasa_addons import event_types


def test_every_event_type_resolves_to_the_class_rasa_finds() -> None:
    for cls in all_subclasses(Event):
        assert event_types.resolve_by_type(cls.type_name) is event_types._stock_resolve(cls.type_name)


def test_an_unknown_type_falls_back_as_rasa_does() -> None:
    assert event_types.resolve_by_type("no-such-event", default=SlotSet) is SlotSet
    assert event_types.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        event_types.resolve_by_type("no-such-event")


def test_installed_it_reads_events_from_their_dicts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Event, "resolve_by_type", Event.__dict__["resolve_by_type"])
    event_types.install()
    assert Event.resolve_by_type("user") is UserUttered
    read = Event.from_parameters({"event": "action", "name": "action_listen"})
    assert isinstance(read, ActionExecuted) and read.action_name == "action_listen"


def test_a_class_defined_after_the_first_lookup_is_found() -> None:
    event_types.resolve_by_type("user")

    class LateEvent(SlotSet):
        type_name = "late_event_for_test"

    assert event_types.resolve_by_type("late_event_for_test") is LateEvent
