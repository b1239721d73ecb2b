"""Faithfulness: a generated reply must render its evidence, not merely avoid unsupported facts."""

from __future__ import annotations

import pytest

from actions.answering.faithfulness import check_faithfulness
from actions.knowledge.question import Question

EVIDENCE = (
    'How do I cancel my order? You can cancel while your order shows "Processing". '
    'Sign in, open "My orders" and select "Cancel order". Once it has shipped, it can\'t be cancelled.'
)
BEST = 'Sign in, open "My orders" and select "Cancel order".'
QUESTION = Question.of("How do I cancel an order I placed a few minutes ago?")


@pytest.mark.parametrize(
    "reply",
    [
        'To cancel, sign in, open "My orders" and select "Cancel order".',
        "I'm sorry for the trouble. Sign in, open My orders and select Cancel order.",
        'Open "My orders" after you sign in and select "Cancel order".',
    ],
)
def test_a_reply_that_renders_the_evidence_passes(reply: str) -> None:
    assert check_faithfulness(reply, BEST, EVIDENCE, QUESTION).ok


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # a made-up procedure: fluent, no number, nothing the plain guard can catch
        (
            'To cancel an order, you can simply click the "Cancel" button in the app settings menu.',
            "words the evidence lacks",
        ),
        # courtesy only, repeated until the token budget ran out
        ("I'm sorry for any confusion. I'm sorry for any confusion.", "repeats a sentence"),
        ("I'm sorry to hear that you want to cancel your order.", "of the best sentence's words"),
    ],
)
def test_a_reply_that_drifts_from_the_evidence_is_blocked(reply: str, reason: str) -> None:
    verdict = check_faithfulness(reply, BEST, EVIDENCE, QUESTION)
    assert not verdict.ok and reason in verdict.reason


def test_the_specifics_and_the_negation_of_the_best_sentence_must_be_kept() -> None:
    best = "The game is for 2-6 players and can't be returned once opened."
    evidence = f"Tabletop Quest. {best}"
    question = Question.of("how many players")
    assert check_faithfulness(
        "It is for 2-6 players and can't be returned once opened.", best, evidence, question
    ).ok
    missing = check_faithfulness(
        "It is for 2 players and can't be returned once opened.", best, evidence, question
    )
    assert missing.reason == "missing_specifics: 6"
    flipped = check_faithfulness(
        "It is for 2-6 players and can be returned once opened.", best, evidence, question
    )
    assert "negation differs" in flipped.reason


def test_a_reply_with_the_specifics_need_not_repeat_the_rest_of_the_sentence() -> None:
    best = "You can return any item within 30 days of delivery."
    assert check_faithfulness(
        "You have 30 days.", best, best, Question.of("How many days do I have to return an item?")
    ).ok


def test_an_availability_question_needs_the_availability_the_evidence_states() -> None:
    evidence = "Kestrel Charger (Electronics) costs $19.99. It is in stock."
    question = Question.of("Kestrel Charger: price, and do you have it right now?")
    assert check_faithfulness(
        "The Kestrel Charger costs $19.99 and it is in stock.", evidence, evidence, question
    ).ok
    verdict = check_faithfulness("The Kestrel Charger costs $19.99.", evidence, evidence, question)
    assert "in stock" in verdict.reason


def test_a_sentence_stitched_from_two_evidence_sentences_is_blocked() -> None:
    evidence = (
        "Do you sell my data? We never sell your personal data. "
        "We share it only with the companies that help us deliver your order, such as carriers."
    )
    best = "We never sell your personal data."
    question = Question.of("Do you sell my data to other companies?")
    assert check_faithfulness("No, we never sell your personal data.", best, evidence, question).ok
    stitched = check_faithfulness(
        "No, we don't. We only sell your personal data to the companies that help us deliver your order.",
        best,
        evidence,
        question,
    )
    assert "no sentence of the evidence says" in stitched.reason


def test_a_reply_names_only_buttons_the_evidence_names() -> None:
    verdict = check_faithfulness(
        'Sign in, open "My orders" and select "Cancel now".', BEST, EVIDENCE, Question.of("Can I cancel it?")
    )
    assert "names what the evidence does not: cancel now" in verdict.reason


def test_a_how_to_question_needs_the_steps_not_only_that_it_can_be_done() -> None:
    evidence = (
        "How do I start a return? You can start a return online in a few minutes. "
        'Sign in, open "My orders", find the order and select "Return items".'
    )
    best = "You can start a return online in a few minutes."
    question = Question.of("How do I start a return?")
    thin = check_faithfulness("You can start a return online in a few minutes.", best, evidence, question)
    assert "leaves out the steps: my orders, return items" in thin.reason
    steps = 'Sign in, open "My orders", find the order and select "Return items".'
    assert check_faithfulness(steps, best, evidence, question).ok
    # the same thin reply is fine for a question that does not ask how
    assert check_faithfulness(
        "You can start a return online in a few minutes.",
        best,
        evidence,
        Question.of("Can I return it online?"),
    ).ok


def test_a_reply_that_only_repeats_the_question_is_blocked() -> None:
    evidence = "A pending authorisation is a temporary hold. It drops off within 3-7 business days."
    question = Question.of(
        "why are there 2 charges on my bank statement for the same order?? i only ordered once"
    )
    verdict = check_faithfulness("The two charges are for the same order.", evidence, evidence, question)
    assert "only repeats the question" in [v.value for v in verdict.violations]
    # Saying something the question did not is no echo.
    echo_free = check_faithfulness(
        "It is a temporary hold that drops off within 3-7 business days.", evidence, evidence, question
    )
    assert "only repeats the question" not in [v.value for v in echo_free.violations]
