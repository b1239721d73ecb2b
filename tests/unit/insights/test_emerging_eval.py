"""The emerging-topic evaluation on simulated histories: the planted rise is found, a non-rise is not."""

from __future__ import annotations

import pytest

from actions.insights.emerging import EmergingRule
from jobs.emerging_eval import evaluate, with_rise
from jobs.topics import main
from seed.history.subjects import load_subjects


def test_the_demo_rise_is_flagged_on_its_onset_day_with_few_false_alarms() -> None:
    result = evaluate(seeds=[1, 2, 3], days=40, onset=32)
    assert [r.days_to_flag for r in result.seeds] == [0, 0, 0]
    assert all(r.flagged_before_onset == 0 for r in result.seeds)
    assert result.flagged_within_one_day == 1.0
    assert result.false_alarms_per_topic_30_days < 1.0
    assert all(r.tested_days == 40 - EmergingRule().min_baseline_days for r in result.seeds)


def test_a_rise_too_small_to_tell_from_noise_is_never_flagged() -> None:
    result = evaluate(seeds=[1, 2], days=40, onset=30, jump=1.05, rate=2.0)
    assert [r.days_to_flag for r in result.seeds] == [None, None]
    assert result.flagged_within_one_day == 0.0


def test_a_stricter_test_raises_fewer_false_alarms() -> None:
    loose = evaluate(seeds=[4, 5, 6], days=50, rule=EmergingRule(alpha=0.01))
    strict = evaluate(seeds=[4, 5, 6], days=50, rule=EmergingRule(alpha=0.00001))
    assert strict.false_alarms_per_topic_30_days < loose.false_alarms_per_topic_30_days


def test_the_planted_subject_can_be_changed_and_the_onset_is_checked() -> None:
    subjects = with_rise(load_subjects(), jump=3.0, rate=4.0)
    planted = next(s for s in subjects if s.emerging)
    assert planted.rate == 4.0 and planted.emerging is not None and planted.emerging.jump == 3.0
    with pytest.raises(ValueError, match="onset"):
        evaluate(seeds=[1], days=20, onset=2)


def test_the_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate-emerging", "--seeds", "1", "--days", "35"]) == 0
    out = capsys.readouterr().out
    assert "days from onset to flag: median 0" in out and "false alarms on steady topics" in out


def test_conversations_are_counted_as_the_job_does_and_messages_can_be() -> None:
    messages = evaluate(seeds=[7, 8, 9], days=50, unit="messages")
    conversations = evaluate(seeds=[7, 8, 9], days=50)
    assert [r.days_to_flag for r in conversations.seeds] == [0, 0, 0]
    # A customer's second message about a subject no longer counts twice: fewer false alarms.
    assert conversations.false_alarms_per_topic_30_days < messages.false_alarms_per_topic_30_days
    assert "conversations counted" in conversations.lines()[0]
