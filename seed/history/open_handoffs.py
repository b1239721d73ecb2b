"""The demo history's last hour: conversations still waiting for a person, so a fresh demo's inbox is busy.

The rest of the history is closed. These few are planned like every other conversation
(``plan.py``: the same subjects, wordings, emotions and hand-off reasons), timed to have
asked for a person 2 to 50 minutes before the load, and written by ``writer.py`` to the
``events`` stream. Then they are queued with the live product's own building blocks
(``HandoffQueue.enqueue`` with ``document_of`` the conversation's events, the ``Claim``
model in the hash as ``HandoffDesk.claim`` writes it, the sweeper's follow-up state), so
every inbox view, filter, count and search works on them:

- ``waiting``: unassigned, with a spread of priorities; the customer's widget checked in
  at the load (``last_seen``), as a widget open on the page does. Nobody is really there:
  10 minutes later (``HANDOFF_GONE_AFTER_S``) the sweeper moves them to e-mail follow-up,
  as it would any customer who left (docs/consoles.md, "A fresh demo's inbox");
- ``claimed``: held by the demo agent account, so its "Mine" view is not empty;
- ``follow_up``: the customer left (a signed-in customer, with their e-mail address given
  for the reply); the sweeper's move is in the audit log.

A signed-in customer who wrote about one of their own orders has it verified, as the
bot's order form does (slots ``order_id``, ``email``, ``order_value``), so the console's
order panel shows it.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, replace
from typing import Literal

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.typing import EncodableT, FieldT

from actions.handoff.index import document_of
from actions.handoff.queue import HandoffQueue, HandoffRequest, Priority
from actions.keys import HANDOFF_TTL_S, Keys
from actions.offers.rules import OfferRule
from actions.redis_edge import members, store_call
from seed.history.plan import Conversation, Customer, Planner
from seed.history.subjects import Fillers, Subject
from seed.history.trackers import write_trackers
from seed.history.writer import HistoryWriter
from web.agent.desk import Claim
from web.agent.sweeper import SWEEPER_ACTOR

OpenStatus = Literal["waiting", "claimed", "follow_up"]
# Conversation numbers of the open handoffs start here: far past any day's traffic, so ids never collide.
FIRST_NUMBER = 10_000_000
# Tries per open handoff to draw a conversation the planner hands over (most draws do within a few).
DRAWS_MAX = 5_000
# A gone customer's widget stopped checking in this long before the sweeper moved them (its default).
GONE_AFTER_S = 600


@dataclass(frozen=True)
class OpenSpec:
    """One open handoff to plan: its state and how many minutes ago the customer asked."""

    status: OpenStatus
    waited_min: float
    priority: Priority
    # A signed-in customer writing about one of their own orders, which the bot verified.
    own_order: bool = False


# Unassigned 2-50 minutes, a spread of priorities; two claimed; two gone to e-mail follow-up.
OPEN_SPECS: tuple[OpenSpec, ...] = (
    OpenSpec("waiting", 2, "normal"),
    OpenSpec("waiting", 4, "high", own_order=True),
    OpenSpec("waiting", 6, "low"),
    OpenSpec("waiting", 7, "normal"),
    OpenSpec("waiting", 9, "urgent"),
    OpenSpec("waiting", 12, "normal"),
    OpenSpec("waiting", 15, "high", own_order=True),
    OpenSpec("waiting", 18, "normal"),
    OpenSpec("waiting", 22, "low"),
    OpenSpec("waiting", 27, "high"),
    OpenSpec("waiting", 33, "normal", own_order=True),
    OpenSpec("waiting", 41, "high"),
    OpenSpec("waiting", 50, "normal"),
    OpenSpec("claimed", 14, "high", own_order=True),
    OpenSpec("claimed", 36, "normal", own_order=True),
    OpenSpec("follow_up", 46, "normal"),
    OpenSpec("follow_up", 58, "high"),
)


@dataclass
class OpenHandoff:
    """A planned open handoff: its conversation, state and what the live product stores with it."""

    conversation: Conversation
    spec: OpenSpec
    claimed_at: float | None = None
    last_seen: float | None = None
    follow_up_at: float | None = None
    contact_email: str | None = None

    @property
    def request(self) -> HandoffRequest:
        """The request the action server would have queued (``actions/dialogue/support.py``)."""
        c = self.conversation
        emotion = max(c.turns, key=lambda t: t.reading.negative).reading.dominant
        return HandoffRequest(
            conversation_id=c.id,
            reason=c.handoff_reason or "",
            priority=self.spec.priority,
            requested_at=c.handoff_at,
            segment=c.segment_label,
            emotion=emotion,
        )


def _shifted(conversation: Conversation, delta: float) -> Conversation:
    """The conversation moved ``delta`` seconds in time, every step with it."""
    c = conversation
    c.started_at += delta
    c.handoff_at += delta
    c.turns = [replace(t, at=t.at + delta) for t in c.turns]
    c.offers = [replace(o, at=o.at + delta) for o in c.offers]
    return c


class OpenHandoffPlanner:
    """Plans ``OPEN_SPECS`` with the history's planner, from its own seed (same seed, same handoffs)."""

    def __init__(
        self,
        subjects: list[Subject],
        fillers: Fillers,
        customers: list[Customer],
        rules: list[OfferRule],
        seed: int,
    ) -> None:
        # Its own planner: the history's conversations are the same with or without these.
        self._planner = Planner(subjects, fillers, customers, rules, seed)
        self._rng = random.Random(seed)
        self._orders = {c.id: c.orders for c in customers}
        self._subjects = sorted((s for s in subjects if s.handoff > 0), key=lambda s: -s.handoff)

    def plan(self, now: float, specs: tuple[OpenSpec, ...] = OPEN_SPECS) -> list[OpenHandoff]:
        """One open handoff per spec, asked ``waited_min`` before ``now``, oldest first."""
        planned, number = [], FIRST_NUMBER
        for spec in specs:
            for _ in range(DRAWS_MAX):
                number += 1
                subject = self._rng.choices(self._subjects, [s.handoff for s in self._subjects])[0]
                draft = self._planner._conversation(number, (subject.id,), now - 3600)
                if self._fits(draft, spec):
                    break
            else:
                raise ValueError(f"no conversation handed over in {DRAWS_MAX} draws for {spec}")
            planned.append(self._opened(draft, spec, now))
        return sorted(planned, key=lambda o: o.conversation.handoff_at)

    def _fits(self, draft: Conversation, spec: OpenSpec) -> bool:
        """Whether the planner handed this draft over, the way ``spec`` wants it."""
        if not draft.handoff_reason:
            return False
        # Follow-ups are answered by e-mail: their customers are signed in, with an address.
        if spec.status == "follow_up" and not draft.customer_id:
            return False
        if spec.own_order:
            own = self._orders.get(draft.customer_id or "", ())
            return any(order in turn.text for turn in draft.turns for order in own)
        return True

    def _opened(self, draft: Conversation, spec: OpenSpec, now: float) -> OpenHandoff:
        # Still open: nobody has replied, closed or rated it yet.
        draft.claimed_at = draft.closed_at = draft.csat_at = 0.0
        draft.agent_reply = draft.close_note = ""
        draft.csat = None
        asked = now - spec.waited_min * 60
        conversation = _shifted(draft, asked - draft.handoff_at)
        opened = OpenHandoff(conversation, spec)
        if spec.status == "claimed":
            opened.claimed_at = asked + min(spec.waited_min * 60 / 2, self._rng.uniform(60, 300))
        if spec.status == "follow_up":
            opened.last_seen = asked + self._rng.uniform(30, 240)
            opened.follow_up_at = opened.last_seen + GONE_AFTER_S
        return opened


def add_verified_orders(redis: Redis, keys: Keys, writer: HistoryWriter, opened: list[OpenHandoff]) -> int:
    """Verify, as the bot's order form does, the order a signed-in customer wrote about; how many."""
    verified = 0
    for handoff in opened:
        c = handoff.conversation
        if not c.customer_id:
            continue
        own = members(redis.zrange(keys.customer_orders(c.customer_id), 0, -1))
        turn = next((t for t in c.turns for o in own if o in t.text), None)
        if turn is None:
            continue
        order_id = next(o for o in own if o in turn.text)
        raw = redis.get(keys.order(order_id))
        if raw is None:
            continue
        order = json.loads(raw)
        at = turn.at + 0.5
        for name, value in (
            ("order_id", order_id),
            ("email", order["email"]),
            ("order_value", order["total"]),
        ):
            writer.add_event(c, {"event": "slot", "timestamp": at, "name": name, "value": value})
        verified += 1
    return verified


def contact_emails(redis: Redis, keys: Keys, opened: list[OpenHandoff]) -> None:
    """The e-mail address a customer gone to follow-up left for the reply: their account's."""
    for handoff in opened:
        if handoff.spec.status != "follow_up" or not handoff.conversation.customer_id:
            continue
        raw = redis.get(keys.customer(handoff.conversation.customer_id))
        if raw is not None:
            handoff.contact_email = str(json.loads(raw)["email"])


def audit_open(writer: HistoryWriter, agent: str, opened: list[OpenHandoff]) -> None:
    """The audit entries the console writes for a claim and the sweeper for a move to follow-up."""
    for handoff in opened:
        cid = handoff.conversation.id
        if handoff.claimed_at is not None:
            writer.add_audit(agent, "handoff.claim", cid, {}, handoff.claimed_at)
        if handoff.follow_up_at is not None:
            writer.add_audit(
                SWEEPER_ACTOR,
                "handoff.follow_up",
                cid,
                {"last_seen": handoff.last_seen},
                handoff.follow_up_at,
            )


async def queue_open(
    redis_url: str,
    keys: Keys,
    opened: list[OpenHandoff],
    events: dict[str, list[dict[str, object]]],
    agent: tuple[str, str],
    now: float,
) -> None:
    """Queue each open handoff as the action server does, then set its claim or follow-up state."""
    redis = AsyncRedis.from_url(redis_url)
    try:
        queue = HandoffQueue(redis, keys)
        for handoff in opened:
            c = handoff.conversation
            ordered = sorted(events.get(c.id, []), key=lambda e: float(str(e["timestamp"])))
            await queue.enqueue(handoff.request, document_of(ordered, signed_in=c.customer_id is not None))
            await _set_state(redis, keys, handoff, agent, now)
    finally:
        await redis.aclose()


async def _set_state(
    redis: AsyncRedis, keys: Keys, handoff: OpenHandoff, agent: tuple[str, str], now: float
) -> None:
    key = keys.handoff(handoff.conversation.id)
    fields: dict[FieldT, EncodableT] = {}
    if handoff.spec.status == "claimed" and handoff.claimed_at is not None:
        claim = Claim(agent=agent[0], display_name=agent[1], claimed_at=handoff.claimed_at)
        fields = {"claim": claim.model_dump_json(), "status": "claimed"}  # as HandoffDesk.claim writes it
    elif handoff.spec.status == "follow_up":
        fields = {
            "status": "follow_up",
            "follow_up_at": str(handoff.follow_up_at),
            "last_seen": str(handoff.last_seen),
        }
        if handoff.contact_email:
            fields["contact_email"] = handoff.contact_email
    else:
        # The widget's check-in (actions/handoff/board.py), as one open on the page at the load would stamp.
        fields = {"last_seen": str(now)}
    with store_call("set the open handoff's state"):
        await redis.hset(key, mapping=fields)
        # What is left of the handoff's lifetime, as enqueue set it at the request.
        await redis.expire(key, max(1, int(handoff.conversation.handoff_at + HANDOFF_TTL_S - now)))


def prepare_open(redis: Redis, keys: Keys, writer: HistoryWriter, opened: list[OpenHandoff]) -> None:
    """What goes in with the history, before the writer flushes: verified orders, e-mails, audit entries."""
    verified = add_verified_orders(redis, keys, writer, opened)
    writer.report.counts["verified orders of open handoffs"] += verified
    contact_emails(redis, keys, opened)
    audit_open(writer, writer.agent_username, opened)


def open_inbox(
    redis_url: str,
    redis: Redis,
    keys: Keys,
    writer: HistoryWriter,
    opened: list[OpenHandoff],
    now: float,
) -> dict[str, int]:
    """After the writer flushed: queue the open handoffs, then write every conversation's tracker."""
    agent = (writer.agent_username, writer.agent_name)
    asyncio.run(queue_open(redis_url, keys, opened, writer.tracker_events, agent, now))
    return {
        "open handoffs": len(opened),
        "trackers": write_trackers(redis, keys, writer.tracker_events, now),
    }
