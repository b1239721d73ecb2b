from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.session import ActionSessionStart
from tests.unit.dialogue.fakes import tracker


async def test_new_session_of_a_paused_conversation_stays_paused() -> None:
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker(events=[{"event": "pause"}]), {})
    assert [e["event"] for e in events] == ["session_started", "pause", "action"]


async def test_resumed_or_ordinary_conversation_starts_normally() -> None:
    for history in ([], [{"event": "pause"}, {"event": "resume"}]):
        events = await ActionSessionStart().run(CollectingDispatcher(), tracker(events=history), {})
        assert [e["event"] for e in events] == ["session_started", "action"]
