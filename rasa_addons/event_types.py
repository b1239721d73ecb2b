"""Rasa's event-type lookup, built once instead of on every event read.

``Event.resolve_by_type`` walks every subclass of ``Event`` (with ``inspect.isabstract``
on each) for every event of every tracker the tracker store reads: about a tenth of the
Rasa server's time on simple turns (benchmarks/README.md, py-spy). The classes do not
change after start-up, so a dict from type name to class answers the same; a name it does
not know rebuilds it once (a class imported later), then falls back as Rasa does.
"""

from __future__ import annotations

from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

_stock_resolve = events.Event.resolve_by_type
_classes: dict[str, type[events.Event]] = {}


def _rebuild() -> None:
    _classes.clear()
    for cls in all_subclasses(events.Event):
        # Rasa returns the first subclass with the name; keep that one.
        _classes.setdefault(cls.type_name, cls)


def resolve_by_type(type_name: str, default: type[events.Event] | None = None) -> type[events.Event] | None:
    """The event class of ``type_name``, as ``Event.resolve_by_type`` finds it."""
    found = _classes.get(type_name)
    if found is None:
        _rebuild()
        found = _classes.get(type_name)
    if found is not None:
        return found
    return _stock_resolve(type_name, default)


def install() -> None:
    """Answer Rasa's event-type lookups from the dict."""
    events.Event.resolve_by_type = staticmethod(resolve_by_type)
