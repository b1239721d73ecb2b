"""The support team's measures, from parsed records (``web.support.sources``); no Redis here.

The exact definitions are in ``docs/consoles.md`` ("The support lead's view"):

- *time to first human reply*: from the handoff request to the first agent reply in that
  conversation at or after it (what the customer waits for, whoever claimed);
- *handle time*: from an agent's ``handoff.claim`` to the ``handoff.close`` or
  ``handoff.handback`` that ended the takeover (the latest claim before it);
- *re-contact*: within ``RECONTACT_WINDOW_S`` after a closed handoff, the same customer (the
  signed-in customer, else the same chat) asks for a person again, or the conversation is
  claimed again;
- *CSAT after a person*: a rating given at most ``AFTER_PERSON_S`` after an agent ended a
  takeover of that conversation; any other rating is after the bot.

Audit times are whole seconds (``int(time.time())``), so a request is compared by its second.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from web.support.sources import AuditEvent, Handoff, Rating

RECONTACT_WINDOW_S = 7 * 24 * 3600
# The bot asks for the rating as the agent closes; a score given up to a day later (the
# CSAT stream counts a conversation once a day) still rates that agent's work.
AFTER_PERSON_S = 24 * 3600
ENDINGS = frozenset({"handoff.close", "handoff.handback"})


@dataclass(frozen=True)
class FirstReply:
    """A handoff request and the first human answer to it (None: nobody has replied yet)."""

    handoff: Handoff
    claimed: bool
    agent: str | None
    seconds: float | None


@dataclass(frozen=True)
class Takeover:
    """An agent's takeover, from the claim to the close or hand-back that ended it."""

    conversation_id: str
    agent: str
    claimed_at: float
    ended_at: float
    closed: bool

    @property
    def seconds(self) -> float:
        """The handle time."""
        return max(0.0, self.ended_at - self.claimed_at)


@dataclass(frozen=True)
class Recontact:
    """A closed takeover, and whether the customer came back within the window."""

    takeover: Takeover
    came_back: bool


@dataclass(frozen=True)
class RatedConversation:
    """A CSAT score, with the agent whose takeover it follows (None: after the bot)."""

    rating: Rating
    agent: str | None


def _by_conversation(events: Iterable[AuditEvent], *actions: str) -> dict[str, list[AuditEvent]]:
    grouped: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.at):
        if event.action in actions:
            grouped[event.conversation_id].append(event)
    return grouped


def first_replies(requests: Iterable[Handoff], events: Iterable[AuditEvent]) -> list[FirstReply]:
    """Each request with the first agent reply to it, and whether anyone claimed it."""
    events = list(events)
    replies = _by_conversation(events, "conversation.reply")
    claims = _by_conversation(events, "handoff.claim")
    found = []
    for request in requests:
        since = math.floor(request.requested_at)
        answer = next((r for r in replies.get(request.conversation_id, []) if r.at >= since), None)
        claimed = any(c.at >= since for c in claims.get(request.conversation_id, []))
        if answer is None:
            found.append(FirstReply(request, claimed, None, None))
        else:
            seconds = max(0.0, answer.at - request.requested_at)
            found.append(FirstReply(request, True, answer.actor, seconds))
    return found


def takeovers(events: Iterable[AuditEvent]) -> list[Takeover]:
    """Takeovers that ended: each close or hand-back paired with the latest claim before it.

    A close without a claim in the events read (it started before them) is left out.
    """
    claimed_at: dict[str, float] = {}
    ended = []
    for event in sorted(events, key=lambda e: e.at):
        if event.action == "handoff.claim":
            claimed_at[event.conversation_id] = event.at
        elif event.action in ENDINGS and event.conversation_id in claimed_at:
            start = claimed_at.pop(event.conversation_id)
            closed = event.action == "handoff.close"
            ended.append(Takeover(event.conversation_id, event.actor, start, event.at, closed))
    return ended


def _any_within(moments: Sequence[float], after: float, until: float) -> bool:
    """Whether a sorted list holds a moment in (after, until]."""
    return bisect_right(moments, until) > bisect_right(moments, after)


def recontacts(
    closed: Iterable[Takeover],
    requests: Iterable[Handoff],
    events: Iterable[AuditEvent],
) -> list[Recontact]:
    """Each closed takeover, and whether the customer came back in (close, close + window]."""
    requests = list(requests)
    customer_of = {r.conversation_id: r.customer for r in requests}
    asked: dict[str, list[float]] = defaultdict(list)
    for request in requests:
        asked[request.customer].append(request.requested_at)
    again: dict[str, list[float]] = defaultdict(list)
    for event in events:
        if event.action == "handoff.claim":
            again[event.conversation_id].append(event.at)
    for moments in (*asked.values(), *again.values()):
        moments.sort()
    found = []
    for takeover in closed:
        if not takeover.closed:
            continue
        after, until = takeover.ended_at, takeover.ended_at + RECONTACT_WINDOW_S
        customer = customer_of.get(takeover.conversation_id, f"conversation:{takeover.conversation_id}")
        came_back = _any_within(asked.get(customer, []), after, until) or _any_within(
            again.get(takeover.conversation_id, []), after, until
        )
        found.append(Recontact(takeover, came_back))
    return found


def rated(scores: Iterable[Rating], ended: Iterable[Takeover]) -> list[RatedConversation]:
    """Each rating with the agent whose takeover of that conversation ended last before it, if recent."""
    endings: dict[str, list[Takeover]] = defaultdict(list)
    for takeover in sorted(ended, key=lambda t: t.ended_at):
        endings[takeover.conversation_id].append(takeover)
    found = []
    for rating in scores:
        before = [t for t in endings.get(rating.conversation_id, []) if t.ended_at <= math.ceil(rating.at)]
        latest = before[-1] if before else None
        recent = latest is not None and rating.at - latest.ended_at <= AFTER_PERSON_S
        found.append(RatedConversation(rating, latest.agent if latest and recent else None))
    return found


def median(values: Sequence[float]) -> float | None:
    """The median, rounded to the second; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(value, 1)


def percentile_90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank (the value 9 in 10 are at or below); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)


def average(values: Sequence[int]) -> float | None:
    """The mean to two places; None for no values."""
    return round(sum(values) / len(values), 2) if values else None
