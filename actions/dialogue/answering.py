"""Open questions (products, policies, anything the NLU is unsure of), answered from the store's knowledge.

A message that asks several things ("do you ship to Canada and how much does it
cost?") is split into its questions and each gets its own grounded answer; a
question about products just shown ("is it waterproof?") is answered from those
products; a product question naming a kind rather than a product ("how much is
the cast iron skillet?") lists the matching products.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answering.answerer import Answer
from actions.answering.prompt import MAX_TURNS, Turn
from actions.answering.questions import split_questions
from actions.dialogue.base import ServiceAction
from actions.dialogue.form_validation import is_question
from actions.dialogue.offers import offer_for_turn
from actions.dialogue.order_flow import DEFAULT_ORDER_FORM, given_details
from actions.dialogue.shopping import answer_about_products, focus_on, looks_like_shopping, show_products
from actions.services import Services

logger = logging.getLogger(__name__)

OFFER_INTENTS = frozenset({"product_question"})
# Questions about one's own order: with its number in the message, the order is looked up after the answer.
ORDER_QUESTION_INTENTS = frozenset({"cancel_order", "ask_refund", "shipping_question", "ask_return_policy"})
# A product question naming a kind of product ("is the yoga mat non-slip?") lists the products of that kind.
PRODUCT_INTENTS = frozenset({"product_question", "search_products"})
# Slot holding what the latest answer was: its kind, whether the generator ran, its topic.
ANSWER_SLOT = "last_answer"
UNSPECIFIC_INTENTS = ("nlu_fallback", "out_of_scope")


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


async def answer_question(
    services: Services,
    tracker: Tracker,
    question: str,
    history: list[Turn] | None = None,
    allow_generation: bool = True,
) -> Answer:
    """The answerer's reply to one question of the customer's latest message, logged."""
    intent = tracker.get_intent_of_latest_message()
    policy = await services.store.policy()
    answer = await services.answerer.answer(
        question,
        store_name=policy.store_name,
        intent=None if intent in UNSPECIFIC_INTENTS else intent,
        history=recent_turns(tracker) if history is None else history,
        tone=tracker.get_slot("tone_hint"),
        segment=tracker.get_slot("segment_label"),
        allow_generation=allow_generation,
    )
    decisions = ", ".join(f"{d.attempt}={d.outcome} ({d.reason})" for d in answer.decisions) or "none"
    logger.info(
        "answer kind=%s sender_id=%s sources=%s guard=[%s] %.0f ms",
        answer.kind, tracker.sender_id, [p.id for p in answer.sources], decisions, answer.seconds * 1000,
    )  # fmt: skip
    return answer


def _say(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    if answer.response is not None:
        dispatcher.utter_message(response=answer.response)
    else:
        dispatcher.utter_message(text=answer.text)


def _answer_record(answer: Answer, topic: str | None) -> dict[str, Any]:
    return SlotSet(ANSWER_SLOT, {"kind": answer.kind, "generator": answer.used_generator, "topic": topic})


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
        text = tracker.latest_message.get("text") or ""
        if not is_question(text):
            return []
        answer = await answer_question(self.services, tracker, text)
        if answer.kind not in ("generated", "extractive"):
            return []
        dispatcher.utter_message(text=answer.text)
        return [_answer_record(answer, None)]


class ActionAnswerQuestion(ServiceAction):
    """A short reply grounded in the help centre and catalogue, or an honest "I don't know"."""

    def name(self) -> str:
        """Action name."""
        return "action_answer_question"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Answer, fall back to a quoted passage, refuse an attempt to steer the bot, or offer a person."""
        text = tracker.latest_message.get("text") or ""
        intent = tracker.get_intent_of_latest_message()
        parts = split_questions(text)
        if len(parts) > 1:
            return await answer_parts(self.services, dispatcher, tracker, domain, parts)
        about_products = await answer_about_products(self.services, dispatcher, tracker, domain, text)
        if about_products is not None:
            return about_products
        if intent in PRODUCT_INTENTS and not (await self.services.product_search.index()).named_in(text):
            shown = await show_products(self.services, dispatcher, tracker, domain, text, detailed=True)
            if shown is not None:
                return shown
        return await self._answer(dispatcher, tracker, intent, text)

    async def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str | None, text: str
    ) -> list[dict[str, Any]]:
        answer = await answer_question(self.services, tracker, text)
        lookup_next = (
            not tracker.active_loop_name and intent in ORDER_QUESTION_INTENTS and "order_id" in given_details(tracker)
        )
        # Before looking up the customer's own order, only a full answer is worth reading.
        if not (lookup_next and answer.kind in ("partial", "unknown")):
            _say(dispatcher, answer)
        # The answering passage's category or help-centre topic: what offer rules call the topic.
        topic = answer.sources[0].topic if answer.sources else None
        events: list[dict[str, Any]] = [SlotSet("topic", topic)] if topic else []
        product_ids = [p.source_id for p in answer.sources if p.kind == "product"]
        if product_ids:
            events += await focus_on(self.services, tracker, product_ids[0])
        # Offers ride along with answered product questions only (a policy question or an
        # unanswered one is not a sales moment); decided after the answer, so that every
        # logged exposure was really shown. The message is sent verbatim.
        if intent in OFFER_INTENTS and answer.kind in ("generated", "extractive", "partial"):
            offer, offer_events = await offer_for_turn(self.services, tracker, intent, topic, product_ids)
            events += offer_events
            if offer:
                dispatcher.utter_message(text=offer)
        # What the answer was, for the conversation suite's figures and the marketers' knowledge gaps.
        events.append(_answer_record(answer, topic))
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


async def answer_parts(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, parts: list[str]
) -> list[dict[str, Any]]:
    """Each question of the message in turn: products from the catalogue, the rest from the help centre.

    The answers are quoted, not generated: several generations would take seconds,
    and a quote is grounded by construction. An earlier part is the context of a
    later one ("do you ship to Canada" then "how much does it cost?").
    """
    events: list[dict[str, Any]] = []
    history = recent_turns(tracker)
    index = await services.product_search.index()
    unknown = 0
    answered_sources: set[str] = set()
    for part in parts:
        if looks_like_shopping(part, index):
            shown = await show_products(services, dispatcher, tracker, domain, part)
            if shown is not None:
                events += shown
                history.append(Turn("customer", part))
                continue
        answer = await answer_question(services, tracker, part, history=history, allow_generation=False)
        history.append(Turn("customer", part))
        sources = {p.source_id for p in answer.sources}
        if sources and sources <= answered_sources:
            continue  # the same article already answered an earlier part
        answered_sources |= sources
        unknown += answer.kind == "unknown"
        _say(dispatcher, answer)
        events.append(_answer_record(answer, answer.sources[0].topic if answer.sources else None))
    if unknown and not tracker.active_loop_name:
        events.append(FollowupAction("utter_offer_human"))
    return events
