"""Hand-built records of the support lead's view: one handoff, takeover, rating at a time."""

from __future__ import annotations

from datetime import UTC, datetime

from web.support.sources import AuditEvent, Handoff, Rating

DAY = 86400.0
# 2026-11-20 00:00 UTC: the first day of the tests' periods.
T0 = datetime(2026, 11, 20, tzinfo=UTC).timestamp()


def handoff(cid: str, at: float, *, reason: str = "asked for a person", priority: str = "normal",
            customer: str | None = None) -> Handoff:  # fmt: skip
    return Handoff(cid, reason, priority, at, customer or f"conversation:{cid}")


def claim(cid: str, agent: str, at: float) -> AuditEvent:
    return AuditEvent(agent, "handoff.claim", cid, at)


def reply(cid: str, agent: str, at: float) -> AuditEvent:
    return AuditEvent(agent, "conversation.reply", cid, at)


def close(cid: str, agent: str, at: float) -> AuditEvent:
    return AuditEvent(agent, "handoff.close", cid, at)


def hand_back(cid: str, agent: str, at: float) -> AuditEvent:
    return AuditEvent(agent, "handoff.handback", cid, at)


def rating(cid: str, score: int, at: float) -> Rating:
    return Rating(cid, score, at)
