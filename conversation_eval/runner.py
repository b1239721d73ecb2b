"""Holds each conversation with the live assistant over REST and checks every reply."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from conversation_eval.roles import StoreRoles, fill
from conversation_eval.suite import Conversation, Turn

# The answering action records what it did in this slot (actions/dialogue/answering.py).
ANSWER_SLOT = "last_answer"
_AMOUNT = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")


@dataclass(frozen=True)
class TurnResult:
    """One turn: what was said, what came back, how long it took, what was wrong."""

    say: str
    reply: str
    seconds: float
    problems: tuple[str, ...]
    generator: bool = False

    @property
    def passed(self) -> bool:
        """No expectation failed."""
        return not self.problems


@dataclass
class ConversationResult:
    """A conversation's turns; it passes when every turn does."""

    category: str
    name: str
    turns: list[TurnResult] = field(default_factory=list)
    error: str = ""

    @property
    def passed(self) -> bool:
        """Every turn passed and nothing broke."""
        return not self.error and all(t.passed for t in self.turns)


def reply_text(messages: list[dict[str, Any]]) -> str:
    """Every bot message of a turn as one text; a carousel contributes its titles and prices."""
    parts: list[str] = []
    for message in messages:
        if message.get("text"):
            parts.append(str(message["text"]))
        custom = message.get("custom")
        if isinstance(custom, dict):
            for item in custom.get("items") or []:
                if isinstance(item, dict):
                    parts.append(" ".join(str(item.get(k, "")) for k in ("title", "price_text", "subtitle")))
        for button in message.get("buttons") or []:
            if isinstance(button, dict) and button.get("title"):
                parts.append(f"[{button['title']}]")
    return "\n".join(parts)


def check_turn(turn: Turn, reply: str, values: dict[str, str]) -> list[str]:
    """The expectations the reply fails, in words."""
    lowered = reply.lower()
    problems = [f"missing {fill(t, values)!r}" for t in turn.expect if fill(t, values).lower() not in lowered]
    if turn.expect_any and not any(fill(t, values).lower() in lowered for t in turn.expect_any):
        problems.append(f"none of {[fill(t, values) for t in turn.expect_any]!r}")
    problems += [f"contains {fill(t, values)!r}" for t in turn.reject if fill(t, values).lower() in lowered]
    if turn.max_price is not None:
        over = [a for a in _AMOUNT.findall(reply) if float(a.replace(",", "")) > turn.max_price]
        if over:
            problems.append(f"amounts over {turn.max_price:g}: {over}")
    return problems


def check_slots(turn: Turn, slots: dict[str, Any], values: dict[str, str]) -> list[str]:
    """Expected slot values that the tracker does not hold."""
    problems = []
    for name, expected in turn.slots.items():
        wanted = fill(expected, values) if isinstance(expected, str) else expected
        actual = slots.get(name)
        if actual != wanted and str(actual).lower() != str(wanted).lower():
            problems.append(f"slot {name}={actual!r}, expected {wanted!r}")
    return problems


class SuiteRunner:
    """Runs conversations one at a time, as a single customer would."""

    def __init__(self, client: httpx.Client, rasa_url: str, token: str, roles: StoreRoles) -> None:
        self._client = client
        self._rasa_url = rasa_url.rstrip("/")
        self._token = token
        self._roles = roles

    def run(self, category: str, conversation: Conversation) -> ConversationResult:
        """Hold one conversation; a transport error ends it as an error."""
        result = ConversationResult(category, conversation.name)
        sender = f"suite-{uuid.uuid4().hex[:12]}"
        try:
            values = self._roles.values(conversation.name, conversation.orders, conversation.products)
            for turn in conversation.turns:
                result.turns.append(self._turn(sender, turn, values))
            self._mark_generator_turns(sender, result)
        except (httpx.HTTPError, LookupError, ValueError) as error:
            result.error = f"{type(error).__name__}: {error}"
        return result

    def _turn(self, sender: str, turn: Turn, values: dict[str, str]) -> TurnResult:
        message = fill(turn.say, values)
        started = time.perf_counter()
        response = self._client.post(
            f"{self._rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
        )
        seconds = time.perf_counter() - started
        response.raise_for_status()
        reply = reply_text(response.json())
        problems = check_turn(turn, reply, values)
        if turn.slots:
            problems += check_slots(turn, self._tracker(sender).get("slots") or {}, values)
        return TurnResult(message, reply, seconds, tuple(problems))

    def _tracker(self, sender: str) -> dict[str, Any]:
        response = self._client.get(
            f"{self._rasa_url}/conversations/{sender}/tracker", params={"token": self._token}
        )
        response.raise_for_status()
        tracker: dict[str, Any] = response.json()
        return tracker

    def _mark_generator_turns(self, sender: str, result: ConversationResult) -> None:
        """Flag the turns in which the answering step ran the generator (read from the tracker afterwards)."""
        turn = -1
        flags = [False] * len(result.turns)
        for event in self._tracker(sender).get("events") or []:
            if event.get("event") == "user":
                turn += 1
            elif event.get("event") == "slot" and event.get("name") == ANSWER_SLOT and 0 <= turn < len(flags):
                value = event.get("value") or {}
                flags[turn] = flags[turn] or bool(isinstance(value, dict) and value.get("generator"))
        result.turns = [
            TurnResult(t.say, t.reply, t.seconds, t.problems, generator)
            for t, generator in zip(result.turns, flags, strict=True)
        ]
