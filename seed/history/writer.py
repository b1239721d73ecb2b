"""Writes planned conversations to Redis exactly as the live product would have written them.

Every reader then works unchanged: the topics job and the live consoles read the
``events`` stream (``rasa_addons/event_broker.py`` fields, Rasa 3.6 event dicts), the
agent console the handoff hashes, closed set and audit log (``web/agent/desk.py``,
``web/accounts/audit.py``), the dashboard the CSAT and offer event streams and the offer
counters (``actions/feedback/csat.py``, ``actions/offers/ledger.py``), the emotion join
the per-conversation timelines (``actions/emotion/timeline.py``). Records are built from
the same pydantic models the live writers use.

Streams are counted by entry id (the time Redis appended an entry), so history entries
get ids at their own times. A stream that already holds newer entries (a store that has
been chatting) cannot take older ids: its history entries then get ids just after its
newest one, keeping their own times in their fields. Keys the live product writes with a
lifetime get what would be left of it; a record whose lifetime would be over is not
written (a handoff from three weeks ago expired after seven days in the live product too).
Every demo record is marked: conversation ids start with ``demo-``, tracker events carry
``metadata.demo``, audit entries ``details.demo``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from redis import Redis

from actions.emotion.timeline import TimelineEntry
from actions.feedback.csat import CsatScore
from actions.handoff.queue import HandoffRequest
from actions.keys import (
    AUDIT_STREAM_MAXLEN,
    CSAT_STREAM_MAXLEN,
    EMOTION_TIMELINE_TTL_S,
    EVENTS_STREAM_MAXLEN,
    HANDOFF_CLOSED_KEEP_S,
    HANDOFF_TTL_S,
    OFFER_ACCEPT_DEDUPE_TTL_S,
    OFFER_EVENTS_STREAM_MAXLEN,
    OFFER_STATS_TTL_S,
    PRIVACY_INDEX_TTL_S,
    Keys,
)
from actions.offers.bandit import counter_fields
from actions.offers.events import OfferEvent
from seed.history.plan import Conversation, OfferStep, Turn
from web.agent.desk import Closing

DEMO = {"demo": True}
INPUT_CHANNEL = "socketio"


@dataclass
class WriteReport:
    """What was written, by kind."""

    counts: Counter[str] = field(default_factory=Counter)


class HistoryWriter:
    """Collects a history's records, then writes them in a few pipelined round trips."""

    def __init__(
        self, redis: Redis, keys: Keys, now: float, agent: tuple[str, str], rules_version: int
    ) -> None:
        self.redis, self.keys, self.now = redis, keys, now
        self.agent_username, self.agent_name = agent
        self.rules_version = rules_version
        self.streams: dict[str, list[tuple[float, dict[str, str]]]] = {}
        self.pipe = redis.pipeline(transaction=False)
        self.report = WriteReport()
        # Each conversation's tracker events, as its Rasa tracker holds them (seed/history/trackers.py).
        self.tracker_events: dict[str, list[dict[str, object]]] = {}

    def _entry(self, stream: str, at: float, fields: dict[str, str]) -> None:
        self.streams.setdefault(stream, []).append((at, fields))
        label = {
            self.keys.events: "tracker events",
            self.keys.csat: "CSAT ratings",
            self.keys.offer_events: "offer events",
            self.keys.audit: "audit entries",
        }[stream]
        self.report.counts[label] += 1

    def add_event(self, conversation: Conversation, event: dict[str, object]) -> None:
        """One more tracker event of a conversation (an open handoff's verified order, open_handoffs.py)."""
        self._event(conversation, event)

    def add_audit(self, actor: str, action: str, target: str, details: dict[str, object], at: float) -> None:
        """One audit-log entry at its own time, marked demo (an open handoff's claim or follow-up)."""
        fields = {
            "actor": actor,
            "action": action,
            "target": target,
            "details": json.dumps({**details, **DEMO}, sort_keys=True),
            "at": str(int(at)),
        }
        self._entry(self.keys.audit, at, fields)

    def _event(self, conversation: Conversation, event: dict[str, object]) -> None:
        self.tracker_events.setdefault(conversation.id, []).append(event)
        body = {"sender_id": conversation.id, **event}
        self._entry(
            self.keys.events,
            float(str(event["timestamp"])),
            {"sender_id": conversation.id, "type": str(event["event"]), "event": json.dumps(body)},
        )

    def _remaining(self, at: float, ttl_s: int) -> int:
        """What is left of a lifetime that started at ``at`` (0: over)."""
        return max(0, int(at + ttl_s - self.now))

    def add(self, conversation: Conversation) -> None:
        """Every record of one conversation."""
        c, t0 = conversation, conversation.started_at
        self._event(
            c,
            {
                "event": "action",
                "timestamp": t0,
                "name": "action_session_start",
                "policy": None,
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            },
        )
        self._event(c, {"event": "session_started", "timestamp": t0 + 0.001, "metadata": DEMO})
        if c.customer_id:
            for name, value in (("customer_id", c.customer_id), ("signed_in", True)):
                self._event(c, {"event": "slot", "timestamp": t0 + 0.002, "name": name, "value": value})
            if ttl := self._remaining(t0, PRIVACY_INDEX_TTL_S):
                self.pipe.sadd(self.keys.customer_conversations(c.customer_id), c.id)
                self.pipe.expire(self.keys.customer_conversations(c.customer_id), ttl)
        self._event(c, _action("action_listen", t0 + 0.003))
        for number, turn in enumerate(c.turns):
            self._turn(c, number, turn)
        for step in c.offers:
            self._offer(c, step)
        if c.handoff_reason:
            self._handoff(c)
        if c.csat is not None:
            score = CsatScore(conversation_id=c.id, score=c.csat, at=c.csat_at)
            self._entry(self.keys.csat, c.csat_at, {k: str(v) for k, v in score.model_dump().items()})
        self.report.counts["conversations"] += 1

    def _turn(self, c: Conversation, number: int, turn: Turn) -> None:
        message_id = f"{c.id[5:]}{number:02d}"
        parse = {
            "intent": {"name": turn.intent, "confidence": 0.93},
            "entities": [],
            "text": turn.text,
            "message_id": message_id,
            "metadata": {},
            "intent_ranking": [{"name": turn.intent, "confidence": 0.93}],
        }
        self._event(
            c,
            {
                "event": "user",
                "timestamp": turn.at,
                "metadata": DEMO,
                "text": turn.text,
                "parse_data": parse,
                "input_channel": INPUT_CHANNEL,
                "message_id": message_id,
            },
        )
        self.report.counts["customer messages"] += 1
        if ttl := self._remaining(turn.at, EMOTION_TIMELINE_TTL_S):
            entry = TimelineEntry(message_id=message_id, at=turn.at, intent=turn.intent, reading=turn.reading)
            key = self.keys.emotion_timeline(c.id)
            self.pipe.rpush(key, entry.model_dump_json())
            self.pipe.expire(key, ttl)
            self.report.counts["emotion readings"] += 1
        if turn.reply:
            action = str(turn.reply_metadata.get("utter_action") or "action_answer_question")
            self._event(c, _action(action, turn.at + 0.8))
            self._event(
                c,
                {
                    "event": "bot",
                    "timestamp": turn.at + 0.9,
                    "metadata": {**turn.reply_metadata, **DEMO},
                    "text": turn.reply,
                    "data": _NO_DATA,
                },
            )
        self._event(c, _action("action_listen", turn.at + 1.0))

    def _offer(self, c: Conversation, step: OfferStep) -> None:
        segment = "" if c.segment_id is None else str(c.segment_id)
        event = OfferEvent(
            type=step.type,
            rule=step.rule.id,
            kind=step.rule.kind,
            variant=step.variant,
            segment=segment,
            conversation=c.id,
            customer=c.customer_id or "anonymous",
            version=self.rules_version,
            ts=step.at,
        )
        self._entry(
            self.keys.offer_events, step.at, dict(zip(event.fields()[::2], event.fields()[1::2], strict=True))
        )
        stats = self.keys.offer_stats(step.rule.id)
        counter = {"exposure": "exposures", "click": "clicks", "accept": "accepts"}.get(step.type)
        for name in (
            ["control"] if counter is None else counter_fields(step.variant, counter, segment or None)
        ):
            self.pipe.hincrby(stats, name, 1)
        self.pipe.expire(stats, OFFER_STATS_TTL_S)
        if step.type == "exposure":
            variant = step.rule.variant(step.variant)
            self._event(
                c,
                {
                    "event": "bot",
                    "timestamp": step.at,
                    "metadata": DEMO,
                    "text": variant.message if variant else "",
                    "data": _NO_DATA,
                },
            )
            cap = step.rule.caps.per_customer
            if cap and (ttl := self._remaining(step.at, cap.window_days * 86400)):
                seen = self.keys.offer_seen(step.rule.id, c.customer_id or c.id)
                self.pipe.zadd(seen, {f"{int(step.at * 1000)}-{c.id[5:17]}": int(step.at * 1000)})
                self.pipe.expire(seen, ttl)
        if step.type == "accept" and (ttl := self._remaining(step.at, OFFER_ACCEPT_DEDUPE_TTL_S)):
            self.pipe.set(self.keys.offer_accepted(step.rule.id, c.id), "1", ex=ttl)

    def _handoff(self, c: Conversation) -> None:
        emotion = max(c.turns, key=lambda t: t.reading.negative).reading.dominant
        request = HandoffRequest(
            conversation_id=c.id,
            reason=c.handoff_reason or "",
            requested_at=c.handoff_at,
            priority="high" if c.upset else "normal",
            segment=c.segment_label,
            emotion=emotion,
        )
        self._event(c, _action("action_request_handoff", c.handoff_at))
        self._event(c, {"event": "pause", "timestamp": c.handoff_at + 0.1})
        self.report.counts["handoffs"] += 1
        if not c.closed_at:
            return  # still open: queued as the live product queues it (seed/history/open_handoffs.py)
        for action, at, details in (
            ("handoff.claim", c.claimed_at, {}),
            ("conversation.reply", c.claimed_at + 60, {"characters": len(c.agent_reply)}),
            ("handoff.close", c.closed_at, {"note": c.close_note}),
        ):
            fields = {
                "actor": self.agent_username,
                "action": action,
                "target": c.id,
                "details": json.dumps({**details, **DEMO}, sort_keys=True),
                "at": str(int(at)),
            }
            self._entry(self.keys.audit, at, fields)
        agent = {"agent": {"name": self.agent_name}, **DEMO}
        self._event(
            c,
            {
                "event": "bot",
                "timestamp": c.claimed_at + 60,
                "metadata": agent,
                "text": c.agent_reply,
                "data": _NO_DATA,
            },
        )
        self._event(c, {"event": "resume", "timestamp": c.closed_at})
        ttl = self._remaining(c.handoff_at, HANDOFF_TTL_S)
        if not ttl:
            return  # expired by now in the live product too
        key = self.keys.handoff(c.id)
        closing = Closing(agent=self.agent_username, note=c.close_note, closed_at=c.closed_at)
        self.pipe.hset(
            key,
            mapping={
                "request": request.model_dump_json(),
                "status": "closed",
                "closed": closing.model_dump_json(),
            },
        )
        self.pipe.expire(key, ttl)
        if self._remaining(c.closed_at, HANDOFF_CLOSED_KEEP_S):
            self.pipe.zadd(self.keys.handoff_closed, {c.id: c.closed_at})
        # No claim field: closing a conversation removes it (HandoffDesk.close).
        self.report.counts["handoff records"] += 1

    def flush(self) -> WriteReport:
        """Write everything: the keys, then each stream's entries in time order with ids at their times."""
        self.pipe.execute()
        maxlens = {
            self.keys.events: EVENTS_STREAM_MAXLEN,
            self.keys.csat: CSAT_STREAM_MAXLEN,
            self.keys.offer_events: OFFER_EVENTS_STREAM_MAXLEN,
            self.keys.audit: AUDIT_STREAM_MAXLEN,
        }
        for stream, entries in self.streams.items():
            last_ms, seq = _last_id(self.redis, stream)
            pipe = self.redis.pipeline(transaction=False)
            for at, fields in sorted(entries, key=lambda e: e[0]):
                ms = int(at * 1000)
                seq = seq + 1 if ms <= last_ms else 0
                last_ms = max(ms, last_ms)
                pipe.xadd(stream, fields, id=f"{last_ms}-{seq}", maxlen=maxlens[stream], approximate=True)  # type: ignore[arg-type]
            pipe.execute()
        return self.report


_NO_DATA = {
    "elements": None,
    "quick_replies": None,
    "buttons": None,
    "attachment": None,
    "image": None,
    "custom": None,
}


def _action(name: str, at: float) -> dict[str, object]:
    return {
        "event": "action",
        "timestamp": at,
        "name": name,
        "policy": None,
        "confidence": 1.0,
        "action_text": None,
        "hide_rule_turn": False,
    }


def _last_id(redis: Redis, stream: str) -> tuple[int, int]:
    """The newest entry id of ``stream`` as (ms, seq); (-1, -1) when it is empty."""
    newest = redis.xrevrange(stream, count=1)
    if not newest:
        return -1, -1
    raw = newest[0][0]
    ms, seq = (raw.decode() if isinstance(raw, bytes) else str(raw)).split("-")
    return int(ms), int(seq)
