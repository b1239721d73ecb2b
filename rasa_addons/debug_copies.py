"""Skips the deep copies Rasa makes of what it passes to debug log lines that are filtered out.

Rasa's processor and its rule and memoization policies write
``structlogger.debug(..., events=copy.deepcopy(events))``: the copy is made before the
call, whatever the log level, on every prediction (the policies' states, the turn's
events). Rasa copies so that its log anonymiser cannot change the live objects; a debug
line that the level filters out reaches no processor, so the copy protects nothing.
These three modules use ``copy`` for nothing else, so their ``copy`` becomes one whose
``deepcopy`` copies only while debug lines are written (``--debug``).
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import structlog
from rasa.core import processor
from rasa.core.policies import memoization, rule_policy

# Every use of ``copy`` in these modules is a debug log line's argument (Rasa 3.6).
MODULES: tuple[ModuleType, ...] = (processor, rule_policy, memoization)


def debug_lines_written() -> bool:
    """Whether structlog's configured logger writes debug lines.

    structlog's filtering loggers make every level below the threshold the same no-op,
    named ``_nop``; anything else (another logger class, a newer structlog) counts as
    written, so the copies are kept.
    """
    wrapper = structlog.get_config().get("wrapper_class")
    debug = getattr(wrapper, "debug", None)
    return getattr(debug, "__name__", "") != "_nop"


class CopyForDebugLines(ModuleType):
    """The ``copy`` module, except that ``deepcopy`` returns its argument while debug lines are dropped."""

    def __init__(self) -> None:
        super().__init__("copy")

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        """``copy.deepcopy`` while debug lines are written; ``value`` itself otherwise."""
        if debug_lines_written():
            return copy.deepcopy(value, memo)
        return value


def install() -> None:
    """Give Rasa's processor and policies the ``copy`` above."""
    shim = CopyForDebugLines()
    for module in MODULES:
        module.copy = shim  # type: ignore[attr-defined]
