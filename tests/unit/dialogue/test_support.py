from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.support import ActionHandleFallback, consecutive_fallbacks
from tests.unit.dialogue.fakes import services_with, tracker


def _user(intent: str) -> dict:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def test_consecutive_fallbacks_counts_only_the_latest_run() -> None:
    events = [_user("nlu_fallback"), _user("greet"), {"event": "bot"}, _user("nlu_fallback"), _user("nlu_fallback")]
    assert consecutive_fallbacks(tracker(events=events)) == 2


async def test_first_fallback_asks_to_rephrase_second_offers_a_person() -> None:
    action = ActionHandleFallback(services_with())
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker(events=[_user("nlu_fallback")]), {})
    await action.run(dispatcher, tracker(events=[_user("nlu_fallback"), _user("nlu_fallback")]), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase", "utter_offer_human"]
