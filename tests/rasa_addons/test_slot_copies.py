"""A slot copied the direct way equals the one ``copy.copy`` made before, for every slot type."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.slots import (
    AnySlot,
    BooleanSlot,
    CategoricalSlot,
    FloatSlot,
    ListSlot,
    Slot,
    TextSlot,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons import slot_copies

MAPPINGS = [{"type": "from_entity", "entity": "x"}]


def _slots() -> list[Slot]:
    slots: list[Slot] = [
        TextSlot("name", MAPPINGS, initial_value="Sam", influence_conversation=True),
        BooleanSlot("flag", MAPPINGS),
        FloatSlot("score", MAPPINGS, max_value=5.0, min_value=1.0),
        ListSlot("items", MAPPINGS),
        CategoricalSlot("size", MAPPINGS, values=["s", "m", "l"]),
        AnySlot("anything", MAPPINGS),
    ]
    slots[3].value = ["a", "b"]
    slots[5].value = {"nested": [1, 2]}
    return slots


def _stock_copy(slot: Slot) -> Any:
    return copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # type: ignore[attr-defined]


@pytest.mark.parametrize("slot", _slots(), ids=lambda s: type(s).__name__)
def test_same_class_and_attributes_as_the_stock_copy(slot: Slot) -> None:
    ours, stock = slot_copies.copy_slot(slot), _stock_copy(slot)
    assert type(ours) is type(stock) is type(slot)
    assert ours is not slot
    assert vars(ours) == vars(stock) == vars(slot)
    ours.value = "changed"
    assert slot.value != "changed"  # a shallow copy, like copy.copy: the value is not shared


def test_copy_copy_takes_the_direct_way_once_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = slot_copies.copy_slot
    monkeypatch.setattr(Slot, "__copy__", lambda s: calls.append(s) or real(s), raising=False)
    slot = _slots()[0]
    assert vars(copy.copy(slot)) == vars(slot) and calls == [slot]


class CountingSlot(TextSlot):
    """A slot type with its own idea of its state (a user's custom slot, say)."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["copies"] = state.get("copies", 0) + 1
        return state


def test_a_slot_class_with_its_own_state_is_copied_as_before() -> None:
    slot = CountingSlot("name", MAPPINGS)
    assert slot_copies.copy_slot(slot).copies == 1  # type: ignore[attr-defined]


@pytest.mark.filterwarnings("ignore:Slot auto-fill has been removed")
def test_trackers_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    domain = Domain.from_dict({"intents": ["greet"], "slots": {
        "name": {"type": "text", "mappings": [{"type": "custom"}]},
        "size": {"type": "categorical", "values": ["s", "m"], "mappings": [{"type": "custom"}]},
    }})  # fmt: skip
    events = [UserUttered("hi", {"name": "greet"}), SlotSet("name", "Sam"), SlotSet("size", "m")]
    stock = DialogueStateTracker.from_events("c", events, domain.slots)
    monkeypatch.setattr(Slot, "__copy__", slot_copies.copy_slot, raising=False)
    ours = DialogueStateTracker.from_events("c", events, domain.slots)
    assert ours.current_slot_values() == stock.current_slot_values()
    assert ours.get_slot("name") == "Sam" and ours.get_slot("size") == "m"
    assert ours.past_states(domain) == stock.past_states(domain)
    assert all(s.value is None for s in domain.slots)  # the domain's own slots are untouched
