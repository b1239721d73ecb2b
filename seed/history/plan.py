"""The demo history's conversations in full: times, words, emotions, hand-offs, ratings and offers.

``volume.simulate`` decides how many conversations about what; this module fills each
one in, deterministically from the seed: when it happened (a weekday's hours, busiest
late morning and evening), who wrote (a demo customer signed in, or a visitor), what
they wrote (``subjects.py``), how upset they were, how the assistant answered, whether a
person took over, the rating they gave, and which offers they saw and took.
``writer.py`` turns these into the records the live product writes.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from actions.emotion.detector import EmotionReading
from actions.offers.events import EventType
from actions.offers.rules import OfferRule
from seed.history.replies import REPLY_OF, UTTER_OF, answer_to, reading_for
from seed.history.subjects import Fillers, Subject, follow_up_about, message_about
from seed.history.volume import Traffic

# Share of the day's conversations started in each UTC hour (busiest 10-13 and 19-22).
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 6, 6, 6, 6, 7, 8, 8, 7, 4, 2)
SIGNED_IN_SHARE = 0.45
GREETING_SHARE = 0.3
THANKS_SHARE = 0.35
CSAT_SHARE = 0.25
CSAT_SHARE_AFTER_AGENT = 0.5
# Scores 1..5: an upset customer left alone, one a person helped, a calm one.
CSAT_UPSET = (30, 25, 20, 15, 10)
CSAT_HELPED = (8, 12, 25, 32, 23)
CSAT_CALM = (2, 3, 10, 35, 50)


@dataclass(frozen=True)
class Turn:
    """One customer message and the assistant's reply to it."""

    at: float
    text: str
    intent: str
    subject: str | None
    reading: EmotionReading
    reply: str
    reply_metadata: dict[str, object]


@dataclass(frozen=True)
class OfferStep:
    """An offer event of the conversation (``actions/offers/events.py`` types)."""

    type: EventType
    rule: OfferRule
    variant: str
    at: float


@dataclass
class Conversation:
    """One simulated conversation."""

    id: str
    started_at: float
    customer_id: str | None
    segment_id: int | None
    segment_label: str | None
    upset: bool
    turns: list[Turn] = field(default_factory=list)
    handoff_reason: str | None = None
    handoff_at: float = 0.0
    claimed_at: float = 0.0
    agent_reply: str = ""
    closed_at: float = 0.0
    close_note: str = ""
    csat: int | None = None
    csat_at: float = 0.0
    offers: list[OfferStep] = field(default_factory=list)


@dataclass(frozen=True)
class Customer:
    """A demo customer who may sign in: their segment and their own order numbers."""

    id: str
    segment_id: int | None
    segment_label: str | None
    orders: tuple[str, ...]


def time_on(day_start: float, rng: random.Random, squeeze_to: float | None) -> float:
    """A start time within the day by the hourly pattern; ``squeeze_to`` fits the day before that moment."""
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    offset = hour * 3600 + rng.uniform(0, 3600)
    if squeeze_to is not None:  # today: the whole day's pattern in the hours gone so far
        offset *= max(0.0, squeeze_to - day_start) / 86400
    return day_start + offset


class Planner:
    """Fills in the conversations of a ``Traffic`` (module docstring)."""

    def __init__(
        self,
        subjects: list[Subject],
        fillers: Fillers,
        customers: list[Customer],
        rules: list[OfferRule],
        seed: int,
    ) -> None:
        self.subjects = {s.id: s for s in subjects}
        self.fillers = fillers
        self.customers = customers
        self.rules = [r for r in rules if r.enabled]
        self.rng = random.Random(seed)
        self.seed = seed
        self.last_shown: dict[tuple[str, str], list[float]] = {}

    def plan(self, traffic: Traffic, first_day: datetime, now: float) -> list[Conversation]:
        """Every conversation of ``traffic``, day 0 starting at ``first_day`` (UTC midnight), oldest first."""
        out = []
        for number, shape in enumerate(traffic.conversations):
            day_start = (first_day + timedelta(days=shape.day)).timestamp()
            squeeze = now - 600 if day_start + 86400 > now - 600 else None
            started = time_on(day_start, self.rng, squeeze)
            out.append(self._conversation(number, shape.subjects, started))
        # Nothing in the future: in the first minutes of a UTC day today's conversations would run past now.
        return sorted((c for c in out if last_moment(c) < now), key=lambda c: c.started_at)

    def _conversation(self, number: int, subjects: tuple[str, ...], started: float) -> Conversation:
        rng, first = self.rng, self.subjects[subjects[0]]
        digest = hashlib.sha256(f"{self.seed}:{number}".encode()).hexdigest()[:16]
        customer = rng.choice(self.customers) if self.customers and rng.random() < SIGNED_IN_SHARE else None
        fillers = self.fillers
        if customer and customer.orders:
            fillers = fillers.model_copy(update={"orders": list(customer.orders)})
        upset = rng.random() < first.upset
        conversation = Conversation(
            id=f"demo-{digest}",
            started_at=started,
            customer_id=customer.id if customer else None,
            segment_id=customer.segment_id if customer else None,
            segment_label=customer.segment_label if customer else None,
            upset=upset,
        )
        at = started + rng.uniform(2, 15)
        if rng.random() < GREETING_SHARE:
            conversation.turns.append(
                self._turn(at, rng.choice(["hi", "hello", "Hi!", "hey there"]), "greet")
            )
            at += rng.uniform(8, 40)
        previous = None
        for subject_id in subjects:
            subject = self.subjects[subject_id]
            mood = upset or rng.random() < subject.upset * 0.3
            if subject_id == previous:
                text = follow_up_about(subject, rng, fillers, mood) or message_about(
                    subject, rng, fillers, mood
                )
            else:
                text = message_about(subject, rng, fillers, mood)
            reply, metadata = answer_to(subject, rng)
            conversation.turns.append(
                Turn(at, text, subject.intent, subject_id, reading_for(mood, rng), reply, metadata)
            )
            previous, at = subject_id, at + rng.uniform(20, 120)
        self._offers(conversation, first, at)
        self._handoff(conversation, first, at)
        end = max([at, conversation.closed_at, *(o.at for o in conversation.offers)])
        if conversation.handoff_reason is None and rng.random() < THANKS_SHARE:
            conversation.turns.append(
                self._turn(end + 5, rng.choice(["thanks", "thank you!", "ok thx"]), "thank")
            )
        share = CSAT_SHARE_AFTER_AGENT if conversation.closed_at else CSAT_SHARE
        if rng.random() < share:
            weights = CSAT_HELPED if conversation.closed_at else CSAT_UPSET if upset else CSAT_CALM
            conversation.csat, conversation.csat_at = rng.choices(range(1, 6), weights)[0], end + 30
        return conversation

    def _turn(self, at: float, text: str, intent: str) -> Turn:
        """A message with no subject of its own (a greeting, thanks) and the domain's reply to it."""
        reply = REPLY_OF.get(intent, "")
        return Turn(
            at,
            text,
            intent,
            None,
            reading_for(False, self.rng),
            reply,
            {"utter_action": UTTER_OF.get(intent, f"utter_{intent}")},
        )

    def _handoff(self, conversation: Conversation, subject: Subject, at: float) -> None:
        rng = self.rng
        chance = subject.handoff if conversation.upset else subject.handoff * 0.12
        if rng.random() >= chance:
            return
        if conversation.upset:
            turns = len([t for t in conversation.turns if t.subject])
            worst = min(t.reading.sentiment for t in conversation.turns)
            reason = rng.choice(
                [
                    f"frustration rising over {turns + 1} turns",
                    f"very negative message (sentiment {worst:+.2f})",
                    "customer asked for a person",
                ]
            )
        else:
            reason = rng.choice(
                [
                    "customer asked for a person",
                    "customer accepted the offer of a person",
                    "2 fallbacks in a row",
                ]
            )
        conversation.handoff_reason, conversation.handoff_at = reason, at + 5
        conversation.claimed_at = conversation.handoff_at + rng.uniform(40, 900)
        conversation.agent_reply = rng.choice(
            [
                "Hi, I'm looking into this for you now.",
                "Thanks for waiting, I've checked your order.",
                "Sorry about this. I've asked the warehouse and will update you shortly.",
            ]
        )
        conversation.closed_at = conversation.claimed_at + rng.uniform(120, 1200)
        conversation.close_note = rng.choice(
            [
                "Resolved: replacement sent.",
                "Refund issued.",
                "Explained the delay; customer happy to wait.",
                "Chased the carrier, new delivery date given.",
                "Voucher applied manually.",
            ]
        )

    def _offers(self, conversation: Conversation, subject: Subject, at: float) -> None:
        """At most one offer per conversation: the first rule whose conditions this simulation can tell."""
        rng = self.rng
        for rule in sorted(self.rules, key=lambda r: -r.priority):
            if not self._eligible(rule, conversation, subject) or rng.random() < 0.4:
                continue
            who = conversation.customer_id or conversation.id
            cap = rule.caps.per_customer
            shown = self.last_shown.setdefault((rule.id, who), [])
            if cap and len([t for t in shown if t > at - cap.window_days * 86400]) >= cap.max_exposures:
                continue
            shown.append(at)
            if rng.random() < rule.control_share:
                conversation.offers.append(OfferStep("control", rule, "", at))
                return
            weights = [v.weight for v in rule.variants]
            index = rng.choices(range(len(rule.variants)), weights)[0]
            variant = rule.variants[index].id
            conversation.offers.append(OfferStep("exposure", rule, variant, at))
            accept = _acceptance(rule.id, index, conversation.segment_id)
            if rng.random() < accept + 0.08:
                conversation.offers.append(OfferStep("click", rule, variant, at + rng.uniform(5, 60)))
                if rng.random() < accept / (accept + 0.08):
                    conversation.offers.append(OfferStep("accept", rule, variant, at + rng.uniform(61, 240)))
            return

    @staticmethod
    def _eligible(rule: OfferRule, conversation: Conversation, subject: Subject) -> bool:
        c = rule.conditions
        signed_in = conversation.customer_id is not None
        label = (conversation.segment_label or "").lower()
        checks = [
            c.unhappy is None or c.unhappy == conversation.upset,
            not c.signed_in_only or signed_in,
            not c.segments or any(word.lower() in label for word in c.segments),
            not c.intents or subject.intent in c.intents,
            not c.emotions or ("neutral" in c.emotions and not conversation.upset),
            # Carts, orders and stock are not simulated: rules that need them are left out.
            c.cart_value_min is None and c.cart_value_max is None and c.order_value_min is None,
            not c.topics or subject.intent == "product_question",
        ]
        return all(checks)


def _acceptance(rule_id: str, variant_index: int, segment: int | None) -> float:
    """A variant's true acceptance rate: fixed per rule, variant and segment, so the A/B test has a winner."""
    digest = hashlib.sha256(f"{rule_id}:{variant_index}:{segment}".encode()).digest()
    return 0.06 + 0.3 * digest[0] / 255


def last_moment(conversation: Conversation) -> float:
    """When the conversation's last record was written."""
    times = [conversation.started_at, conversation.closed_at, conversation.csat_at]
    return max([*times, *(t.at + 1.0 for t in conversation.turns), *(o.at for o in conversation.offers)])


def first_midnight(now: float, days: int) -> datetime:
    """UTC midnight of the first of ``days`` days ending today."""
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)
