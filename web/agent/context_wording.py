"""What the conversation pane's context says to an agent: the summary, the order, the emotion.

Intents and actions are the bot's own names (``bot/domain``); an agent reads these
phrases instead. A name missing here is shown as its words (``ask_refund`` -> "ask
refund"), so a new intent never breaks the summary.
"""

from __future__ import annotations

# What the customer wants, by the intent of their message ("The customer wants ...").
WANTS = {
    "check_order_status": "to know where their order is",
    "cancel_order": "to cancel an order",
    "request_return": "to return an order",
    "ask_refund": "a refund",
    "ask_return_policy": "to know the return policy",
    "shipping_question": "an answer about shipping",
    "payment_problem": "help with a payment problem",
    "account_help": "help with their account",
    "complaint": "to make a complaint",
    "request_human": "to talk to a person",
    "search_products": "to find a product",
    "refine_search": "to find a product",
    "ask_product": "to know about a product",
    "product_question": "to know about a product",
    "ask_recommendation": "a recommendation",
    "ask_contact": "the store's contact details",
    "no_order_number": "help without their order number",
}
# Small talk and answers to the bot's own questions say nothing about what the customer wants.
NOT_A_WANT = frozenset(
    {"greet", "goodbye", "thank", "affirm", "deny", "inform", "email", "order_id", "product_id", "rate",
     "rating", "give_feedback", "bot_challenge", "nevermind", "choose_product", "accept_offer",
     "nlu_fallback", "out_of_scope", "steer_assistant"}
)  # fmt: skip

# What the bot did, by the action it ran ("The bot ...").
DID = {
    "action_show_order_status": "looked up the order's status",
    "action_check_return_eligibility": "checked whether the order can be returned",
    "action_answer_question": "answered from the help centre",
    "action_stop_and_answer": "answered a question in the middle of a form",
    "action_search_products": "searched the catalogue",
    "action_describe_product": "described a product",
    "action_recommend_products": "recommended products",
    "action_accept_offer": "applied an offer the customer accepted",
    "action_respond_to_complaint": "apologised and acknowledged the complaint",
    "action_request_handoff": "handed the conversation to a person",
    "utter_order_lookup_give_up": "gave up looking the order up after wrong order numbers or e-mails",
    "utter_order_not_found": "could not find an order with the number and e-mail given",
}
# An action not named above.
RAN = "ran “{action}”"
# Bookkeeping actions: said nothing the agent needs.
NOT_DONE = frozenset(
    {"action_listen", "action_session_start", "action_validate_slot_mappings", "action_check_form_request",
     "action_continue_with_details", "action_ask_order_id", "action_submit_feedback"}
)  # fmt: skip

WANTS_NOTHING_YET = "The customer has not said what they want yet."
WANTS_LINE = "The customer wants {wants}."
DID_LINE = "The bot {did}."
DID_NOTHING = "The bot has not looked anything up."
ORDER_GIVEN = "Order #{order_id} was given"
ORDER_VERIFIED = "Order #{order_id} was verified with the customer's e-mail."
ORDER_NOT_VERIFIED = "Order #{order_id} was given but not verified."
OFFERS_SHOWN = "Offers shown: {offers}."
HANDED_OVER = "Handed over because: {reason} (priority {priority})."
FIRST_SAID = "First message: “{text}”"
LAST_SAID = "Latest message: “{text}”"
QUOTE_CHARS = 140

# The order panel: a return verdict of ``actions.store.returns``, in words.
RETURN_VERDICT = {
    "eligible": "Can be returned until {deadline}.",
    "window_closed": "The return window closed on {deadline}.",
    "not_delivered": "Not delivered yet: returnable once it arrives.",
    "nothing_returnable": "Nothing in it can be returned (final sale or excluded categories).",
    "cancelled": "Cancelled: nothing to return.",
    "already_returned": "Already returned.",
}
ORDER_STATUS = {
    "processing": "Processing",
    "shipped": "Shipped",
    "in_transit": "In transit",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
    "returned": "Returned",
}

# Emotion beside the chart.
NO_EMOTION = "No customer message has been read for emotion yet."
EMOTION_NOW = "Now {feeling} ({tone}), {direction}."
EMOTION_MOSTLY = "Mostly {feeling} over {count} message(s)."
TONE = ((-0.5, "very negative"), (-0.05, "negative"), (0.05, "neutral"), (0.5, "positive"))
TONE_TOP = "very positive"
DIRECTION_WORSE = "getting worse"
DIRECTION_BETTER = "getting better"
DIRECTION_SAME = "steady"
DIRECTION_ONE = "from one message"
FEELING = {
    "anger": "angry",
    "disgust": "disgusted",
    "fear": "worried",
    "joy": "happy",
    "sadness": "sad",
    "surprise": "surprised",
    "neutral": "calm",
}
