"""The order lookup's own turns: asking for the order number, and details typed outside a form."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.base import ServiceAction
from actions.dialogue.form_validation import is_question
from actions.dialogue.orders import FAILED_LOOKUP_SLOT

ORDER_FORMS = ("order_status_form", "return_form")
DEFAULT_ORDER_FORM = "order_status_form"
DETAIL_SLOTS = ("order_id", "email")
# "it still hasn't arrived", "my parcel is late", "never got my order", "still waiting".
LATE_DELIVERY = re.compile(
    r"\b(?:hasn'?t|has not|haven'?t|have not|hasnt|havent|still not|not yet|never|didn'?t|didnt|did not)\b"
    r"[^.!?]{0,40}\b(?:arriv\w*|come|came|deliver\w*|receiv\w*|recieved|got|get|gotten"
    r"|turned up|shown up|here)\b"
    r"|\b(?:late|delayed|overdue|lost|missing|still waiting|taking (?:so|too|forever) long|where the hell)\b"
    r"|\bwaiting\b[^.!?]{0,30}\b(?:order|parcel|package|delivery|stuff|item)s?\b",
    re.IGNORECASE,
)
# "it broke after two days", "arrived damaged", "wrong size sent": something is wrong with the order.
ORDER_PROBLEM = re.compile(
    r"\b(?:broke|broken|faulty|damaged|defective|crushed|smashed|cracked|leaking|ripped|torn"
    r"|stopped working|died|dead|"
    r"won'?t (?:turn on|charge|work)|stopped charging|"
    r"doesn'?t work|does not work|not working|wrong (?:item|size|colou?r|product|thing)"
    r"|rubbish|garbage|junk)\b",
    re.IGNORECASE,
)
# "get me a real person", "I want to speak to a manager", "transfer me to someone".
ASKS_FOR_A_PERSON = re.compile(
    r"\b(?:get|give|put|transfer|connect|pass)\s+me\s+(?:to|through to|with)?\s*(?:a |an |the |some )?"
    r"(?:real |actual |live |human )?"
    r"(?:person|human|agent|someone|somebody|manager|supervisor|representative|rep)\b"
    r"|\b(?:speak|talk|chat)\s+(?:to|with)\s+(?:a |an |the |some )?(?:real |actual |live )?"
    r"(?:person|human|agent|someone|somebody|manager|supervisor|representative)\b",
    re.IGNORECASE,
)
# Tone hints of the emotion step (actions/emotion/behaviour.py) that call for an apology first:
# anger and frustration ("reassure" also follows a mere "sorry, typo").
UPSET_TONES = frozenset({"apologise_first", "be_brief"})
APOLOGIES = ("utter_order_late_apology", "utter_order_upset_apology")


def apologised(tracker: Tracker) -> bool:
    """Whether this session already had one of the order apologies (one is enough)."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") in APOLOGIES:
            return True
    return False


def last_order_form(tracker: Tracker) -> str | None:
    """The order form this session used last, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return None
        if event.get("event") == "active_loop" and event.get("name") in ORDER_FORMS:
            return str(event["name"])
    return None


class ActionAskOrderId(ServiceAction):
    """Asks for the order number, after an apology when the parcel is late or the customer upset."""

    def name(self) -> str:
        """Rasa runs action_ask_<slot> instead of utter_ask_<slot> when the domain has it."""
        return "action_ask_order_id"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Apologise once if due, then ask."""
        text = (tracker.latest_message or {}).get("text") or ""
        if not apologised(tracker):
            if LATE_DELIVERY.search(text):
                dispatcher.utter_message(response="utter_order_late_apology")
            elif ORDER_PROBLEM.search(text) or tracker.get_slot("tone_hint") in UPSET_TONES:
                dispatcher.utter_message(response="utter_order_upset_apology")
        dispatcher.utter_message(response="utter_ask_order_id")
        return []


def given_details(tracker: Tracker) -> set[str]:
    """Which of the order number and e-mail the latest message holds."""
    entities = (tracker.latest_message or {}).get("entities") or []
    return {str(e.get("entity")) for e in entities} & set(DETAIL_SLOTS)


def completed_from_failed_lookup(tracker: Tracker, given: set[str]) -> list[dict[str, Any]]:
    """After a pair that did not match, a correction of one detail is tried with the other one."""
    failed = tracker.get_slot(FAILED_LOOKUP_SLOT)
    if not isinstance(failed, dict) or len(given) != 1:
        return []
    return [
        SlotSet(slot, failed[slot]) for slot in DETAIL_SLOTS
        if slot not in given and not tracker.get_slot(slot) and failed.get(slot)
    ]  # fmt: skip


class ActionContinueWithDetails(ServiceAction):
    """An order number or e-mail address typed outside a form: go on with the lookup it belongs to.

    The slots are already filled (their mappings read any message); the lookup
    the session used last (order status or return) runs again with them, else the
    order status. A reply with neither is answered as a question.
    """

    def name(self) -> str:
        """Action name."""
        return "action_continue_with_details"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Follow up with the right form, or with the answering action."""
        given = given_details(tracker)
        if given:
            form = last_order_form(tracker) or DEFAULT_ORDER_FORM
            return [*completed_from_failed_lookup(tracker, given), FollowupAction(form)]
        return [FollowupAction("action_answer_question")]


class ActionRespondToComplaint(ServiceAction):
    """A complaint about a late parcel or a named order starts the lookup; any other gets an apology.

    After the apology comes the answer to its question ("is there really nothing I can do??") or the
    offer of a person.

    The lookup's first question carries the apology (``ActionAskOrderId``);
    when the order number is already known, the apology comes first here.
    """

    def name(self) -> str:
        """Action name."""
        return "action_respond_to_complaint"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Apologise, then look the order up or offer a person."""
        text = (tracker.latest_message or {}).get("text") or ""
        if ASKS_FOR_A_PERSON.search(text):
            # "this is a joke, get me a real person NOW": no more questions, a person.
            return [FollowupAction("action_request_handoff")]
        given = given_details(tracker)
        if LATE_DELIVERY.search(text) or given:
            if tracker.get_slot("order_id"):
                dispatcher.utter_message(response="utter_order_late_apology")
            return [FollowupAction(last_order_form(tracker) or DEFAULT_ORDER_FORM)]
        dispatcher.utter_message(response="utter_complaint_empathy")
        if is_question(text):
            # The answering action offers a person itself when the knowledge has no answer.
            return [FollowupAction("action_answer_question")]
        # As an action (not just buttons), so that a typed "yes" or "no" follows its rules.
        return [FollowupAction("utter_offer_human")]
