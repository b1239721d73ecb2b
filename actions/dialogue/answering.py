"""Open questions (products, policies, anything the NLU is unsure of), answered from the store's knowledge."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answering.prompt import MAX_TURNS, Turn
from actions.dialogue.base import ServiceAction
from actions.dialogue.offers import offer_for_turn

logger = logging.getLogger(__name__)

OFFER_INTENTS = frozenset({"product_question"})


def recent_turns(tracker: Tracker, limit: int = MAX_TURNS) -> list[Turn]:
    """The customer's and the assistant's messages before the latest one, oldest first."""
    turns: list[Turn] = []
    for event in tracker.events:
        text = event.get("text")
        if not text:
            continue
        if event.get("event") == "user" and not text.startswith("/"):
            turns.append(Turn("customer", text))
        elif event.get("event") == "bot":
            turns.append(Turn("assistant", text))
    if turns and turns[-1].speaker == "customer":
        turns.pop()  # the question itself
    return turns[-limit:]


class ActionAnswerQuestion(ServiceAction):
    """A short reply grounded in the help centre and catalogue, or an honest "I don't know"."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_question"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Answer, fall back to a quoted passage, refuse an attempt to steer the bot, or offer a person."""
        question = tracker.latest_message.get("text") or ""
        intent = tracker.get_intent_of_latest_message()
        policy = await self.services.store.policy()
        answer = await self.services.answerer.answer(
            question,
            store_name=policy.store_name,
            intent=None if intent in ("nlu_fallback", "out_of_scope") else intent,
            history=recent_turns(tracker),
            tone=tracker.get_slot("tone_hint"),
            segment=tracker.get_slot("segment_label"),
        )
        decisions = ", ".join(f"{d.attempt}={d.outcome} ({d.reason})" for d in answer.decisions) or "none"
        logger.info(
            "answer kind=%s sender_id=%s sources=%s guard=[%s] %.0f ms",
            answer.kind, tracker.sender_id, [p.id for p in answer.sources], decisions, answer.seconds * 1000,
        )  # fmt: skip
        if answer.response is not None:
            dispatcher.utter_message(response=answer.response)
        else:
            dispatcher.utter_message(text=answer.text)
        # Offers ride along with answered product questions only (a policy question or an
        # unanswered one is not a sales moment); decided after the answer, so that every
        # logged exposure was really shown. The message is sent verbatim.
        # The answering passage's category or help-centre topic: what offer rules call the topic.
        topic = answer.sources[0].topic if answer.sources else None
        events: list[dict[str, Any]] = [SlotSet("topic", topic)] if topic else []
        if intent in OFFER_INTENTS and answer.kind in ("generated", "extractive", "partial"):
            offer, offer_events = await offer_for_turn(self.services, tracker, intent, topic)
            events += offer_events
            if offer:
                dispatcher.utter_message(text=offer)
        # As an action (not just buttons), so that a typed "yes" or "no" follows its rules.
        return events + ([FollowupAction("utter_offer_human")] if answer.offers_person else [])
