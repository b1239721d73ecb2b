"""The conversation so far in a few lines: what the customer wants and what the bot already did.

Built deterministically from the tracker: the intents the bot recognised in the
customer's messages, the actions and responses it ran, the slots it filled and the
handoff's reason. Nothing is generated, so nothing needs grounding: every line names
an event that is in the transcript. Also the emotion timeline in words, beside its chart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from actions.emotion.timeline import TimelineEntry
from actions.handoff.queue import HandoffRequest
from web.agent import context_wording as say


class ConversationSummary(BaseModel):
    """A few sentences an agent reads before the transcript."""

    wants: list[str] = Field(description="what the customer asked for, in order, without repeats")
    bot_did: list[str] = Field(description="what the bot answered or looked up, in order, without repeats")
    lines: list[str] = Field(description="the summary as sentences, in reading order")


def _words(name: str) -> str:
    return name.replace("_", " ")


def _quote(words: str) -> str:
    words = " ".join(words.split())
    return words if len(words) <= say.QUOTE_CHARS else words[: say.QUOTE_CHARS - 1] + "…"


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _joined(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def customer_wants(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The wants of the customer's messages, by their recognised intent."""
    wants = []
    for event in events:
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent and intent not in say.NOT_A_WANT:
            wants.append(say.WANTS.get(intent, _words(intent)))
    return _distinct(wants)


def bot_did(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """What the bot did that an agent needs to know, by the actions it ran."""
    done = []
    for event in events:
        if event.get("event") == "action":
            name = str(event.get("name") or "")
            if name in say.DID:
                done.append(say.DID[name])
            elif name.startswith("action_") and name not in say.NOT_DONE:
                done.append(say.RAN.format(action=_words(name.removeprefix("action_"))))
        elif event.get("event") == "bot":
            template = (event.get("metadata") or {}).get("utter_action")
            if template in say.DID:
                done.append(say.DID[template])
    return _distinct(done)


def summarise(
    events: Sequence[Mapping[str, Any]],
    slots: Mapping[str, Any],
    request: HandoffRequest | None,
    order_verified: bool,
    offers: Sequence[str] = (),
) -> ConversationSummary:
    """The summary of a conversation's events and slots.

    Args:
        events: the tracker's events, oldest first.
        slots: the tracker's slots now.
        request: the handoff request, for its reason and priority.
        order_verified: whether the order in the ``order_id`` slot was found with the
            customer's e-mail (the order panel's lookup).
        offers: the offers shown, already in words.

    """
    wants, did = customer_wants(events), bot_did(events)
    lines = [say.WANTS_LINE.format(wants=_joined(wants)) if wants else say.WANTS_NOTHING_YET]
    lines.append(say.DID_LINE.format(did=_joined(did)) if did else say.DID_NOTHING)
    order_id = slots.get("order_id")
    if order_id:
        template = say.ORDER_VERIFIED if order_verified else say.ORDER_NOT_VERIFIED
        lines.append(template.format(order_id=str(order_id).lstrip("#")))
    if offers:
        lines.append(say.OFFERS_SHOWN.format(offers=", ".join(offers)))
    if request is not None:
        lines.append(say.HANDED_OVER.format(reason=request.reason, priority=request.priority))
    said = [str(e.get("text") or "") for e in events if e.get("event") == "user"]
    said = [s for s in said if s and not s.startswith("/")]
    if said:
        lines.append(say.FIRST_SAID.format(text=_quote(said[0])))
    if len(said) > 1:
        lines.append(say.LAST_SAID.format(text=_quote(said[-1])))
    return ConversationSummary(wants=wants, bot_did=did, lines=lines)


def _tone(sentiment: float) -> str:
    for bound, words in say.TONE:
        if sentiment < bound:
            return words
    return say.TONE_TOP


def emotion_in_words(timeline: Sequence[TimelineEntry]) -> list[str]:
    """The emotion timeline in two sentences: how the customer feels now, and mostly."""
    if not timeline:
        return [say.NO_EMOTION]
    latest = timeline[-1].reading
    if len(timeline) == 1:
        direction = say.DIRECTION_ONE
    else:
        earlier = sum(e.reading.sentiment for e in timeline[:-1]) / (len(timeline) - 1)
        change = latest.sentiment - earlier
        direction = say.DIRECTION_SAME
        if abs(change) > 0.2:
            direction = say.DIRECTION_WORSE if change < 0 else say.DIRECTION_BETTER
    feeling = say.FEELING.get(latest.dominant, latest.dominant)
    counts: dict[str, int] = {}
    for entry in timeline:
        counts[entry.reading.dominant] = counts.get(entry.reading.dominant, 0) + 1
    mostly = max(counts, key=lambda d: (counts[d], d == latest.dominant))
    return [
        say.EMOTION_NOW.format(feeling=feeling, tone=_tone(latest.sentiment), direction=direction),
        say.EMOTION_MOSTLY.format(feeling=say.FEELING.get(mostly, mostly), count=len(timeline)),
    ]
