"""Open questions (products, policies, anything the NLU is unsure of), answered from the store's knowledge.

A message that asks several things ("do you ship to Canada and how much does it
cost?") is split into its questions and each gets its own grounded answer; a
question about products just shown ("is it waterproof?") is answered from those
products; a product question naming a kind rather than a product ("how much is
the cast iron skillet?") lists the matching products.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import metrics
from actions.answering.answerer import Answer
from actions.answering.prompt import MAX_TURNS, Turn
from actions.answering.questions import question_focus, split_questions
from actions.dialogue.base import ServiceAction
from actions.dialogue.form_validation import is_question
from actions.dialogue.offers import offer_for_turn
from actions.dialogue.order_flow import (
    ASKS_FOR_A_PERSON,
    DEFAULT_ORDER_FORM,
    LATE_DELIVERY,
    ORDER_PROBLEM,
    given_details,
)
from actions.dialogue.product_questions import answer_about_products, focus_on, policy_question_about_products
from actions.dialogue.shopping import looks_like_shopping, show_products
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
STEERING_INTENT = "steer_assistant"
STEERING_MIN_CONFIDENCE = 0.6
# A message inside a form that opens by dropping it, then asks something else.
LEAVING_THE_FORM = re.compile(
    r"^(?:\W*(?:hmm+|oh|ok|okay|actually|wait|um+|ah|sorry)\b)*\W*"
    r"(?:never ?mind|nvm|scratch that|forget (?:it|that|about it)|"
    r"cancel that|no need|don'?t bother|leave it|i'?ll (?:do|check|find) (?:it|that|the \w+) later)\b",
    re.IGNORECASE,
)


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
    whole_message: bool = True,
) -> Answer:
    """The answerer's reply to one question of the customer's latest message, logged.

    The NLU's intent is a hint for the whole message only: one of several questions may be about
    something else.
    """
    intent = tracker.get_intent_of_latest_message() if whole_message else None
    confidence = float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)
    if intent == STEERING_INTENT and confidence < STEERING_MIN_CONFIDENCE:
        # "what do you need from me to sort it" is not an attack: refusing is for clear attempts
        # (the injection patterns refuse whatever the NLU says).
        intent = None
    policy = await services.store.policy()
    answer = await services.answerer.answer(
        question_focus(question),
        store_name=policy.store_name,
        intent=None if intent in UNSPECIFIC_INTENTS else intent,
        history=recent_turns(tracker) if history is None else history,
        tone=tracker.get_slot("tone_hint"),
        segment=tracker.get_slot("segment_label"),
        allow_generation=allow_generation,
        intent_confidence=confidence if intent else 0.0,
    )
    metrics.answer_given(answer.kind, [(d.attempt, d.outcome) for d in answer.decisions])
    decisions = ", ".join(f"{d.attempt}={d.outcome} ({d.reason})" for d in answer.decisions) or "none"
    logger.info(
        "answer kind=%s sender_id=%s sources=%s guard=[%s] %.0f ms",
        answer.kind, tracker.sender_id, [p.id for p in answer.sources], decisions, answer.seconds * 1000,
    )  # fmt: skip
    return answer


def _say(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    if answer.response is not None:
        dispatcher.utter_message(response=answer.response, **answer_metadata(answer))
    else:
        dispatcher.utter_message(text=answer.text, **answer_metadata(answer))


def answer_metadata(answer: Answer) -> dict[str, str]:
    """What the answer's bot event carries in its ``metadata``: the outcome (``AnswerKind``).

    Rasa keeps an uttered message's extra keys as the ``BotUttered`` event's metadata, which the
    event broker writes to the ``events`` stream: the topics job reads ``metadata.answer_kind`` there
    to count, per topic, the questions the assistant could not answer (``docs/insights.md``). The
    customer's channels do not forward it (the socket.io channel passes only the keys the widget reads).
    """
    return {"answer_kind": answer.kind}


def _answer_record(answer: Answer, topic: str | None) -> dict[str, Any]:
    return SlotSet(ANSWER_SLOT, {"kind": answer.kind, "generator": answer.used_generator, "topic": topic})


# A question about the customer's own order or purchase ("where is my parcel?", "can I return them?").
_OWN_ORDER = re.compile(
    r"\b(?:my|our)\s+(?:\w+\s+)?(?:orders?|parcels?|packages?|deliver(?:y|ies)|purchases?|stuff|items?|shipments?|"
    r"things?|boxe?s?)\b|\b(?:i|we)\s+(?:just\s+)?(?:ordered|bought|received|got|placed|purchased|returned)\b"
    r"|\b(?:return|send back|exchange|swap)\s+(?:it|them|this|these|those|my)\b|\border\s+#?\d",
    re.IGNORECASE,
)
# "if I order with express tonight, when would it arrive?": about ordering, not about an order.
_HYPOTHETICAL = re.compile(
    r"\b(?:if|before|when) (?:i|we) (?:order|buy|purchase|place)\b"
    r"|\bthinking (?:of|about) (?:ordering|buying)\b",
    re.IGNORECASE,
)


# What an order-status question asks about: where it is, when it comes, what state it is in.
_STATUS = re.compile(
    r"\b(?:where|track\w*|status|arriv\w*|deliver\w*|ship\w*|dispatch\w*|when|coming|come|here|update|check|"
    r"look up|lookup|find|happen\w*|on (?:its|the) way|eta|sent|left|moved)\b",
    re.IGNORECASE,
)


def about_own_order(tracker: Tracker, text: str) -> bool:
    """Whether the request is about the customer's own order (then the lookup form runs).

    "everything? even my old orders?" (after a question about deleting an account) mentions
    orders but asks nothing about where one is: it is answered, not looked up.
    """
    if given_details(tracker) or LATE_DELIVERY.search(text) or ORDER_PROBLEM.search(text):
        return True
    if _HYPOTHETICAL.search(text):
        return False
    if not is_question(text):
        return True
    if tracker.get_intent_of_latest_message() == "check_order_status" and not _STATUS.search(text):
        return False
    return bool(_OWN_ORDER.search(text))


class ActionCheckFormRequest(ServiceAction):
    """Before an order lookup or return starts, answers what the request really asks.

    * "can I return it if I don't like it?" about a product being looked at, or
      "how long does delivery take?" about no order of the customer's: answered,
      and no form starts;
    * "can I swap them for a size up?": the exchange policy first, then the form
      asks for the order (only a full answer is worth saying first);
    * "I want to return my shoes", "where is my order?": straight to the form.
    """

    def name(self) -> str:
        """Action name."""
        return "action_check_form_request"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Answer instead of the form, answer before it, or let it start."""
        text = tracker.latest_message.get("text") or ""
        if policy_question_about_products(tracker, text):
            events = await answer_about_products(self.services, dispatcher, tracker, domain, text)
            if events is None:
                answer = await answer_question(self.services, tracker, text, history=[])
                _say(dispatcher, answer)
                events = [_answer_record(answer, None)]
            return [*events, FollowupAction("action_listen")]
        if not about_own_order(tracker, text):
            events = await answer_parts(self.services, dispatcher, tracker, domain, split_questions(text))
            return [*[e for e in events if e.get("event") != "followup"], FollowupAction("action_listen")]
        if not is_question(text) or tracker.get_intent_of_latest_message() != "request_return":
            return []
        answer = await answer_question(self.services, tracker, text)
        if answer.kind not in ("generated", "extractive"):
            return []
        dispatcher.utter_message(text=answer.text, **answer_metadata(answer))
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
        about_products = await answer_about_products(self.services, dispatcher, tracker, domain, text)
        if about_products is not None:
            return about_products
        parts = split_questions(text)
        if len(parts) > 1:
            return await answer_parts(self.services, dispatcher, tracker, domain, parts)
        index = await self.services.product_search.index()
        shopping = intent in PRODUCT_INTENTS or (
            intent in UNSPECIFIC_INTENTS and looks_like_shopping(text, index)
        )
        if shopping and not index.named_in(text):
            shown = await show_products(
                self.services, dispatcher, tracker, domain, text, detailed=is_question(text)
            )
            if shown is not None:
                return shown
        return await self._answer(dispatcher, tracker, intent, text)

    async def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str | None, text: str
    ) -> list[dict[str, Any]]:
        # "when will it be back?" about a product in view is a help-centre question: asked without the
        # product's name, which would otherwise pull the product's own passage.
        history: list[Turn] | None = [] if policy_question_about_products(tracker, text) else None
        answer = await answer_question(self.services, tracker, text, history=history)
        lookup_next = (
            not tracker.active_loop_name
            and intent in ORDER_QUESTION_INTENTS
            and "order_id" in given_details(tracker)
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
            if LEAVING_THE_FORM.match(text):
                # "never mind, I'll find the e-mail later. how long does express take?": answered, and the
                # form is left instead of asking again.
                return [
                    *events,
                    ActiveLoop(None),
                    SlotSet("requested_slot", None),
                    FollowupAction("action_listen"),
                ]
            # Inside a form the form asks its question next: nothing else may ask one.
            return events
        if lookup_next:
            # "has the refund for 104233 gone through?": the policy, then that order itself.
            return [*events, FollowupAction(DEFAULT_ORDER_FORM)]
        if answer.kind == "unknown" and ASKS_FOR_A_PERSON.search(text):
            # "is there a number I can call? I want to talk to someone": no answer, and a person asked for.
            return [*events, FollowupAction("action_request_handoff")]
        if answer.offers_person:
            # As an action (not just buttons), so that a typed "yes" or "no" follows its rules.
            events.append(FollowupAction("utter_offer_human"))
        return events


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _without_repeats(text: str, said: set[str]) -> str:
    """The answer without the sentences (and the help-centre pointer) an earlier part already said.

    Adds the rest to ``said``.
    """
    kept_paragraphs = []
    for paragraph in text.split("\n\n"):
        sentences = [s for s in _SENTENCE_END.split(paragraph) if s and s.strip(" …") and s not in said]
        said.update(sentences)
        if sentences:
            kept_paragraphs.append(" ".join(sentences).lstrip("… "))
    if not kept_paragraphs or kept_paragraphs[0].startswith("More in our help centre"):
        return ""
    return "\n\n".join(kept_paragraphs)


async def answer_parts(
    services: Services,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    parts: list[str],
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
    said: set[str] = set()
    for part in parts:
        if looks_like_shopping(part, index):
            shown = await show_products(services, dispatcher, tracker, domain, part)
            if shown is not None:
                events += shown
                history.append(Turn("customer", part))
                continue
        answer = await answer_question(
            services, tracker, part, history=history, allow_generation=False, whole_message=len(parts) == 1
        )
        history.append(Turn("customer", part))
        unknown += answer.kind == "unknown"
        if answer.response is not None:
            if answer.response not in said:
                dispatcher.utter_message(response=answer.response, **answer_metadata(answer))
                said.add(answer.response)
        else:
            # The same article may answer two parts: what an earlier part already said is not said again.
            text = _without_repeats(answer.text, said)
            if not text:
                continue
            dispatcher.utter_message(text=text, **answer_metadata(answer))
        events.append(_answer_record(answer, answer.sources[0].topic if answer.sources else None))
    if tracker.active_loop_name:
        return events
    if ASKS_FOR_A_PERSON.search(" ".join(parts)):
        # "is there a number I can call? I want to talk to someone about my order": a person, as asked.
        events.append(FollowupAction("action_request_handoff"))
    elif unknown:
        events.append(FollowupAction("utter_offer_human"))
    return events


class ActionStopAndAnswer(ServiceAction):
    """After "never mind", what was asked before is dropped; a question that follows is answered.

    For example "nvm, how long does express take?".
    """

    def name(self) -> str:
        """Action name."""
        return "action_stop_and_answer"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Answer the rest of the message, or ask what else the customer needs."""
        text = tracker.latest_message.get("text") or ""
        match = LEAVING_THE_FORM.match(text)
        rest = text[match.end() :].strip(" ,.!;:-") if match else ""
        if rest and is_question(rest):
            events = await answer_parts(self.services, dispatcher, tracker, domain, split_questions(rest))
            return [e for e in events if e.get("event") != "followup"]
        dispatcher.utter_message(response="utter_anything_else")
        return []
