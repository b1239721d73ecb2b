from pathlib import Path

import pytest

from actions.emotion.detector import EmotionReading
from actions.emotion.escalation import EscalationPolicy, decide
from actions.emotion.timeline import TimelineEntry
from actions.errors import ConfigError

POLICY = EscalationPolicy()
PROJECT_POLICY = Path(__file__).resolve().parents[3] / "escalation.yml"


def _entry(anger: float = 0.0, frustration: float = 0.0, sentiment: float = 0.0) -> TimelineEntry:
    states = {"anger": anger, "frustration": frustration, "anxiety": 0.0, "sadness": 0.0}
    reading = EmotionReading(
        labels={},
        top={},
        ekman={},
        ekman_detected=[],
        states=states,
        sentiment=sentiment,
        dominant="neutral",
        negative=max(states.values()),
    )
    return TimelineEntry(reading=reading)


def test_calm_conversation_stays_with_the_bot() -> None:
    assert decide(POLICY, [_entry(), _entry(0.1), _entry(0.2)], 0, False) is None


def test_anger_rising_over_three_turns() -> None:
    decision = decide(POLICY, [_entry(0.2), _entry(0.45), _entry(0.7)], 0, False)
    assert decision is not None
    assert decision.reason == "anger rising over 3 turns"
    assert decision.priority == "high"


def test_rise_needs_every_step_up_and_the_threshold() -> None:
    assert decide(POLICY, [_entry(0.2), _entry(0.1), _entry(0.45)], 0, False) is None
    assert decide(POLICY, [_entry(0.1), _entry(0.2), _entry(0.3)], 0, False) is None


def test_rise_must_start_from_a_somewhat_negative_message() -> None:
    assert decide(POLICY, [_entry(0.0), _entry(0.2), _entry(0.6)], 0, False) is None


def test_persisting_frustration() -> None:
    decision = decide(
        POLICY, [_entry(frustration=0.6), _entry(frustration=0.6), _entry(frustration=0.55)], 0, False
    )
    assert decision is not None and decision.reason == "frustration in 3 of the last 3 messages"


def test_one_very_negative_message_is_urgent_when_extreme() -> None:
    decision = decide(POLICY, [_entry(sentiment=-0.95)], 0, False)
    assert decision is not None
    assert decision.reason == "very negative message (sentiment -0.95)"
    assert decision.priority == "urgent"


def test_fallbacks_and_asking_combine_into_one_reason() -> None:
    decision = decide(POLICY, [_entry()], 3, True)
    assert decision is not None
    assert decision.reason == "3 fallbacks in a row; customer asked for a person"
    assert decision.priority == "normal"
    assert decide(POLICY, [_entry()], 2, False) is None


def test_project_policy_file_is_valid() -> None:
    assert EscalationPolicy.from_file(PROJECT_POLICY).window_turns >= 2


def test_malformed_policy_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "escalation.yml"
    path.write_text("window_turns: 3\nnegative_threshold: high\n")
    with pytest.raises(ConfigError, match="field 'negative_threshold'"):
        EscalationPolicy.from_file(path)
    path.write_text("window_turn: 3\n")
    with pytest.raises(ConfigError, match="field 'window_turn'"):
        EscalationPolicy.from_file(path)


def test_persist_turns_beyond_the_window_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "escalation.yml"
    path.write_text("window_turns: 3\npersist_turns: 4\n")
    with pytest.raises(ConfigError, match="field 'persist_turns'.*cannot exceed window_turns"):
        EscalationPolicy.from_file(path)
