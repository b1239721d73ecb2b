"""Open questions (products, policies, anything the NLU is unsure of), answered from the store's knowledge."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answering.answerer import Answer
from actions.answering.prompt import MAX_TURNS, Turn
from actions.dialogue.base import ServiceAction
from actions.dialogue.form_validation import is_question
from actions.dialogue.offers import offer_for_turn
from actions.dialogue.order_flow import DEFAULT_ORDER_FORM, given_details
from actions.services import Services

logger = logging.getLogger(__name__)

OFFER_INTENTS = frozenset({"product_question"})
# Questions about one's own order: with its number in the message, the order is looked up after the answer.
ORDER_QUESTION_INTENTS = frozenset({"cancel_order", "ask_refund", "shipping_question", "ask_return_policy"})
# Slot holding what the latest answer was: its kind, whether the generator ran, its topic.
ANSWER_SLOT = "last_answer"


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


async def answer_latest_message(services: Services, tracker: Tracker) -> Answer:
    """The answerer's reply to the customer's latest message, logged."""
    question = tracker.latest_message.get("text") or ""
    intent = tracker.get_intent_of_latest_message()
    policy = await services.store.policy()
    answer = await services.answerer.answer(
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
    return answer


class ActionAnswerIfAsked(ServiceAction):
    """Before a form starts, answers the question its request was phrased as, when the knowledge fully answers it.

    "can I swap them for a size up?" gets the exchange policy, then the return
    form asks for the order; "I want to return my shoes" goes straight to the form.
    """

    def name(self) -> str:
        """Action name."""
        return "action_answer_if_asked"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Answer a question with a full answer; say nothing otherwise."""
        if not is_question(tracker.latest_message.get("text") or ""):
            return []
        answer = await answer_latest_message(self.services, tracker)
        if answer.kind not in ("generated", "extractive"):
            return []
        dispatcher.utter_message(text=answer.text)
        return [SlotSet(ANSWER_SLOT, {"kind": answer.kind, "generator": answer.used_generator, "topic": None})]


class ActionAnswerQuestion(ServiceAction):
    """A short reply grounded in the help centre and catalogue, or an honest "I don't know"."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_question"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Answer, fall back to a quoted passage, refuse an attempt to steer the bot, or offer a person."""
        intent = tracker.get_intent_of_latest_message()
        answer = await answer_latest_message(self.services, tracker)
        lookup_next = (
            not tracker.active_loop_name
            and intent in ORDER_QUESTION_INTENTS
            and "order_id" in given_details(tracker)
        )
        # Before looking up the customer's own order, only a full answer is worth reading.
        if not (lookup_next and answer.kind in ("partial", "unknown")):
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
        # What the answer was, for the conversation suite's figures and the marketers' knowledge gaps.
        events.append(SlotSet(ANSWER_SLOT, {"kind": answer.kind, "generator": answer.used_generator, "topic": topic}))
        if tracker.active_loop_name:
            # Inside a form the form asks its question next: nothing else may ask one.
            return events
        if lookup_next:
            # "has the refund for 104233 gone through?": the policy, then that order itself.
            return [*events, FollowupAction(DEFAULT_ORDER_FORM)]
        if answer.offers_person:
            # As an action (not just buttons), so that a typed "yes" or "no" follows its rules.
            events.append(FollowupAction("utter_offer_human"))
        return events
