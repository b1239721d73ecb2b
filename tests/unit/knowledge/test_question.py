"""The question analysed once: what each step reads of it."""

from __future__ import annotations

import pytest

from actions.knowledge import question as question_module
from actions.knowledge.lexical import tokenize
from actions.knowledge.question import Query, Question


def test_a_question_is_read_as_asked_and_in_the_help_centre_s_words() -> None:
    asked = Question.of("can I get my money back?")
    assert asked.tokens == ("money", "back")
    assert asked.own_words == Query("can I get a refund?", ("refund",))
    assert asked.searched is asked.own_words
    assert asked.specifics == frozenset()


def test_its_specifics_are_the_facts_a_reply_must_not_merely_repeat() -> None:
    assert Question.of("why was I charged $5.99 on 12/03?").specifics == {"usd:5.99", "12-03"}


def test_it_is_searched_for_on_one_line() -> None:
    asked = Question.of("how long does\ndelivery take?")
    assert asked.searched.text == "how long does delivery take?"
    assert asked.own_words.text == "how long does\ndelivery take?"
    assert asked.searched.tokens == asked.own_words.tokens == asked.tokens


def test_the_question_is_tokenised_once_when_nothing_is_reworded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(text: str) -> list[str]:
        calls.append(text)
        return tokenize(text)

    monkeypatch.setattr(question_module, "tokenize", counting)
    Question.of("how long does delivery take?")
    assert calls == ["how long does delivery take?"]


def test_a_query_read_after_another_has_both_their_tokens() -> None:
    joined = Query.of("Tell me about returns,").followed_by(Query.of("what about shoes?"))
    assert joined == Query.of("Tell me about returns, what about shoes?")
