"""How long a customer waiting for a person can expect to wait, from the team's recent work.

The formula (``docs/consoles.md``, "Nobody waits forever")::

    expected minutes = position x median handle time / agents online

- *position*: the customer's place among conversations still waiting (unclaimed), in the
  order the console lists them (priority, then time of the request);
- *median handle time*: of the latest ``HANDLE_SAMPLES`` takeovers of the last
  ``HANDLE_WINDOW_S``, each from an agent's ``handoff.claim`` to the ``handoff.close`` or
  ``handoff.handback`` that ended it (the audit log's own times);
- *agents online*: distinct agents who claimed, replied, handed back or closed in the last
  ``ONLINE_WINDOW_S``.

With fewer than ``MIN_SAMPLES`` takeovers, nobody online, or an answer longer than
``MAX_ESTIMATE_MIN``, there is no estimate and the widget says so in plain words instead
of inventing a number. The estimate is rounded up: to the minute up to 10, then to 5.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

HANDLE_SAMPLES = 50
HANDLE_WINDOW_S = 7 * 24 * 3600
MIN_SAMPLES = 3
ONLINE_WINDOW_S = 30 * 60
MAX_ESTIMATE_MIN = 240
# What an agent does while working the queue (web/agent/routes.py audits each).
WORKING_ACTIONS = frozenset(
    {"handoff.claim", "handoff.handback", "handoff.close", "handoff.transfer", "handoff.release",
     "conversation.reply"}
)  # fmt: skip
ENDING_ACTIONS = frozenset({"handoff.close", "handoff.handback"})


@dataclass(frozen=True)
class AuditEntry:
    """The parts of one audit-log entry the estimate reads."""

    actor: str
    action: str
    target: str
    at: float

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> AuditEntry | None:
        """Parse a stream entry's fields; None for an entry without a usable time."""
        try:
            at = float(fields.get("at", ""))
        except ValueError:
            return None
        return cls(fields.get("actor", ""), fields.get("action", ""), fields.get("target", ""), at)


@dataclass(frozen=True)
class Workload:
    """What the estimate needs: recent handle times and how many agents are working."""

    handle_times_s: tuple[float, ...]
    agents_online: int

    @property
    def median_handle_s(self) -> float | None:
        """Median handle time, or None with too few takeovers to tell."""
        if len(self.handle_times_s) < MIN_SAMPLES:
            return None
        return float(statistics.median(self.handle_times_s))


def workload_from_audit(entries: Iterable[AuditEntry], now: float) -> Workload:
    """Handle times and agents online from audit entries (any order).

    Each ``handoff.close``/``handoff.handback`` is paired with the latest ``handoff.claim`` of the
    same conversation before it; takeovers that ended before ``now - HANDLE_WINDOW_S`` are left out.
    """
    ordered = sorted(entries, key=lambda entry: entry.at)
    claimed_at: dict[str, float] = {}
    durations: list[tuple[float, float]] = []
    online: set[str] = set()
    for entry in ordered:
        if entry.action in WORKING_ACTIONS and entry.at >= now - ONLINE_WINDOW_S and entry.actor:
            online.add(entry.actor)
        if entry.action == "handoff.claim":
            claimed_at[entry.target] = entry.at
        elif entry.action in ENDING_ACTIONS and entry.target in claimed_at:
            start = claimed_at.pop(entry.target)
            if entry.at >= now - HANDLE_WINDOW_S:
                durations.append((entry.at, max(0.0, entry.at - start)))
    latest = [duration for _, duration in sorted(durations)[-HANDLE_SAMPLES:]]
    return Workload(tuple(latest), len(online))


def expected_wait_minutes(position: int, workload: Workload) -> int | None:
    """About how many minutes the customer at ``position`` (1 = next) waits; None: no honest figure."""
    median = workload.median_handle_s
    if position < 1 or median is None or workload.agents_online < 1:
        return None
    minutes = position * median / workload.agents_online / 60
    if minutes > MAX_ESTIMATE_MIN:
        return None
    if minutes <= 10:
        return max(1, math.ceil(minutes))
    return 5 * math.ceil(minutes / 5)


def audit_entry(fields: Mapping[bytes | str, bytes | str]) -> AuditEntry | None:
    """An ``AuditEntry`` from a raw stream entry's fields (bytes or text)."""
    decoded = {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in fields.items()
    }
    return AuditEntry.from_fields(decoded)
