"""Rasa's slots copied directly instead of through ``copy.copy``'s pickling protocol.

Every ``DialogueStateTracker`` copies the domain's slots when it is built, and Rasa builds
several per turn: one per policy to replay the conversation into states, one per
``tracker.copy()``, one per tracker read from the store, one per action call's validation.
``copy.copy`` on a slot goes through ``__reduce_ex__`` and ``copyreg``: 72 of the 118 µs a
tracker takes to build with this bot's 28 slots, 3% of the Rasa workers' time on simple
turns (py-spy, benchmarks/README.md). For a class that keeps its state in ``__dict__`` and
says nothing else about copying, ``copy.copy`` makes a new instance and updates its
``__dict__``: so does this, without the detour. Any other class is copied as before.
"""

from __future__ import annotations

import copy
from typing import Any

from rasa.shared.core.slots import Slot

# Per slot class: whether its copy may skip the pickling protocol.
_plain: dict[type, bool] = {}


def _is_plain(cls: type) -> bool:
    plain = _plain.get(cls)
    if plain is None:
        plain = (
            cls.__new__ is object.__new__
            and cls.__reduce_ex__ is object.__reduce_ex__
            and cls.__reduce__ is object.__reduce__
            and getattr(cls, "__getstate__", None) is getattr(object, "__getstate__", None)
            and not any("__slots__" in vars(klass) for klass in cls.__mro__)
        )
        _plain[cls] = plain
    return plain


def copy_slot(slot: Slot) -> Slot:
    """``copy.copy(slot)``: the same class, a new object, the same attribute values."""
    cls = type(slot)
    if not _is_plain(cls):
        return copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # type: ignore[attr-defined]
    new: Any = object.__new__(cls)
    new.__dict__.update(slot.__dict__)
    return new


def install() -> None:
    """Make ``copy.copy`` of a Rasa slot take the direct way."""
    Slot.__copy__ = copy_slot
