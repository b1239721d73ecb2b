"""The conversation summary and the emotion in words, from a tracker's events alone."""

from __future__ import annotations

from actions.emotion.detector import EmotionReading
from actions.emotion.timeline import TimelineEntry
from actions.handoff.queue import HandoffRequest
from web.agent.summary import bot_did, customer_wants, emotion_in_words, summarise


def _user(text: str, intent: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def _action(name: str) -> dict:
    return {"event": "action", "name": name}


EVENTS = [
    _action("action_session_start"),
    _user("hi", "greet"),
    _action("action_listen"),
    _user("where is my order?", "check_order_status"),
    _action("order_status_form"),
    _user("104233", "inform"),
    {"event": "slot", "name": "order_id", "value": "104233"},
    _user("bo@example.com", "inform"),
    _action("action_show_order_status"),
    {
        "event": "bot",
        "text": "Your order is in transit.",
        "metadata": {"utter_action": "utter_order_shipped"},
    },
    _user("/request_human", "request_human"),
    _user("this is useless, I want my money back", "ask_refund"),
    _action("action_request_handoff"),
]


def test_the_summary_says_what_the_customer_wants_and_what_the_bot_did_in_order() -> None:
    assert customer_wants(EVENTS) == ["to know where their order is", "to talk to a person", "a refund"]
    assert bot_did(EVENTS) == ["looked up the order's status", "handed the conversation to a person"]
    assert bot_did([_action("action_check_weather")]) == ["ran “check weather”"]
    request = HandoffRequest(conversation_id="c", reason="customer asked for a person", priority="high")
    summary = summarise(EVENTS, {"order_id": "104233"}, request, order_verified=True, offers=["free-ship"])
    assert summary.lines == [
        "The customer wants to know where their order is, to talk to a person and a refund.",
        "The bot looked up the order's status and handed the conversation to a person.",
        "Order #104233 was verified with the customer's e-mail.",
        "Offers shown: free-ship.",
        "Handed over because: customer asked for a person (priority high).",
        "First message: “hi”",
        "Latest message: “this is useless, I want my money back”",
    ]


def test_an_unverified_order_and_an_unknown_intent_are_said_as_they_are() -> None:
    events = [_user("can I pay with crypto " + "x" * 200, "ask_crypto"),
              {"event": "bot", "metadata": {"utter_action": "utter_order_not_found"}}]  # fmt: skip
    summary = summarise(events, {"order_id": "#55"}, None, order_verified=False)
    assert summary.wants == ["ask crypto"]
    assert summary.lines[1] == "The bot could not find an order with the number and e-mail given."
    assert summary.lines[2] == "Order #55 was given but not verified."
    assert summary.lines[-1].endswith("…”") and len(summary.lines[-1]) < 170


def test_an_empty_conversation_says_so() -> None:
    assert summarise([], {}, None, order_verified=False).lines == [
        "The customer has not said what they want yet.",
        "The bot has not looked anything up.",
    ]


def _entry(sentiment: float, dominant: str) -> TimelineEntry:
    reading = EmotionReading.neutral().model_copy(update={"sentiment": sentiment, "dominant": dominant})
    return TimelineEntry(reading=reading)


def test_emotion_in_words_says_how_the_customer_feels_now_and_mostly() -> None:
    assert emotion_in_words([]) == ["No customer message has been read for emotion yet."]
    assert emotion_in_words([_entry(0.6, "joy")]) == [
        "Now happy (very positive), from one message.",
        "Mostly happy over 1 message(s).",
    ]
    worse = [_entry(0.1, "neutral"), _entry(0.0, "neutral"), _entry(-0.7, "anger")]
    assert emotion_in_words(worse) == [
        "Now angry (very negative), getting worse.",
        "Mostly calm over 3 message(s).",
    ]
