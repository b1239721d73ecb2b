"""A Rasa tracker, read for a person: who said what, which offers were shown, which slots are set."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from web.agent import wording

Role = Literal["customer", "bot", "agent", "notice"]
# Slots that hold the customer's identity or the bot's bookkeeping: shown, never editable,
# because a wrong customer id would show this customer someone else's data.
PROTECTED_SLOTS = frozenset(
    {"customer_id", "signed_in", "segment", "segment_label", "segment_provisional", "customer_value",
     "tenure_days", "session_started_metadata", "requested_slot", "offer_rule", "offer_variant"}
)  # fmt: skip
# Mappings through which a customer's own words fill a slot: the ones an agent may correct.
CUSTOMER_FILLED = frozenset({"from_entity", "from_text"})


class TranscriptEntry(BaseModel):
    """One line of the conversation as the agent reads it."""

    role: Role
    text: str
    at: float
    author: str | None = None
    buttons: list[str] = []


class OfferShown(BaseModel):
    """An offer the bot showed in this conversation."""

    rule_id: str
    variant_id: str | None
    at: float


def transcript(events: list[dict[str, Any]]) -> list[TranscriptEntry]:
    """Customer, bot and agent messages, and handoff notices, in order."""
    entries: list[TranscriptEntry] = []
    for event in events:
        kind, at = event.get("event"), float(event.get("timestamp") or 0)
        if kind == "user":
            text = event.get("text") or ""
            if text.startswith("/"):
                # A button's payload: show what it meant, not its syntax.
                text = f"[clicked {text.split('{')[0][1:]}]"
            entries.append(TranscriptEntry(role="customer", text=text, at=at))
        elif kind == "bot":
            entries.append(_bot_entry(event, at))
        elif kind == "pause":
            entries.append(TranscriptEntry(role="notice", text=wording.PAUSED, at=at))
        elif kind == "resume":
            entries.append(TranscriptEntry(role="notice", text=wording.RESUMED, at=at))
    return entries


def _bot_entry(event: dict[str, Any], at: float) -> TranscriptEntry:
    metadata = event.get("metadata") or {}
    data = event.get("data") or {}
    agent = metadata.get("agent") if isinstance(metadata.get("agent"), dict) else None
    text = event.get("text") or ""
    custom = data.get("custom")
    if not text and isinstance(custom, dict) and custom.get("type") == "carousel":
        titles = [str(item.get("title")) for item in custom.get("items", []) if isinstance(item, dict)]
        text = "[products shown: " + ", ".join(titles) + "]"
    buttons = [str(b.get("title")) for b in data.get("buttons") or [] if isinstance(b, dict)]
    if metadata.get("handoff"):
        return TranscriptEntry(role="notice", text=text, at=at, author=agent.get("name") if agent else None)
    if agent:
        return TranscriptEntry(role="agent", text=text, at=at, author=str(agent.get("name")))
    return TranscriptEntry(role="bot", text=text, at=at, buttons=buttons)


def offers_shown(events: list[dict[str, Any]]) -> list[OfferShown]:
    """Each offer the bot showed: the ``offer_rule`` slot is set exactly when one is shown."""
    shown: list[OfferShown] = []
    for event in events:
        if event.get("event") != "slot" or not event.get("value"):
            continue
        if event.get("name") == "offer_rule":
            shown.append(
                OfferShown(
                    rule_id=str(event["value"]), variant_id=None, at=float(event.get("timestamp") or 0)
                )
            )
        elif event.get("name") == "offer_variant" and shown and shown[-1].variant_id is None:
            # The action sets the variant right after the rule.
            shown[-1] = shown[-1].model_copy(update={"variant_id": str(event["value"])})
    return shown


def editable_slots(domain: dict[str, Any]) -> list[str]:
    """Slots the customer's own words fill (an order number, an e-mail): an agent may correct them."""
    editable = []
    for name, slot in (domain.get("slots") or {}).items():
        mappings = {m.get("type") for m in slot.get("mappings") or [] if isinstance(m, dict)}
        if mappings & CUSTOMER_FILLED and name not in PROTECTED_SLOTS:
            editable.append(name)
    return sorted(editable)
