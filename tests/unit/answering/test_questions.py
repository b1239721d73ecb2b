import pytest

from actions.answering.questions import question_focus, split_questions


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "do you ship to Canada and how much does it cost?",
            ["do you ship to Canada", "how much does it cost?"],
        ),
        (
            "hi! few things: do you take apple pay, do gift cards expire, "
            "and can i use 2 discount codes on one order?",
            [
                "hi! few things: do you take apple pay",
                "do gift cards expire",
                "can i use 2 discount codes on one order?",
            ],
        ),
        (
            "looking for an orthopedic dog bed for my old lab, and how long does delivery take?",
            ["looking for an orthopedic dog bed for my old lab", "how long does delivery take?"],
        ),
        # One question, however many clauses.
        ("what is your return and refund policy?", ["what is your return and refund policy?"]),
        ("black and white sneakers", ["black and white sneakers"]),
        ("the first one, is it waterproof?", ["the first one is it waterproof?"]),
        (
            "does a cast iron pan work on induction? thinking of buying one",
            ["does a cast iron pan work on induction? thinking of buying one"],
        ),
        (
            "oh wait actually it's going to my mum in toronto instead, is that more expensive?",
            ["oh wait actually it's going to my mum in toronto instead is that more expensive?"],
        ),
    ],
)
def test_a_message_is_split_where_a_new_question_starts(text: str, parts: list[str]) -> None:
    assert split_questions(text) == parts


def test_the_question_is_what_a_story_around_it_asks() -> None:
    story = (
        "hi, can you send an order to australia? "
        "my sister lives in melbourne and i want to send her a present"
    )
    assert question_focus(story) == "hi, can you send an order to australia?"
    # A question that points back keeps the sentence it points to; a bare "why?" keeps everything.
    pointing = "i put my old address on the order. can i still change it?"
    assert question_focus(pointing) == pointing
    assert question_focus("my card was declined. why?") == "my card was declined. why?"
