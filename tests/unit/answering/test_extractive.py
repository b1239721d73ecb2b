"""The extractive answer: the article's lead, its best sentence, and the link."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from actions.answering.extractive import ExtractiveAnswerer, quote_with_pointer
from actions.knowledge.passages import Passage
from actions.knowledge.question import Query


def _chunk(number: int, text: str) -> Passage:
    return Passage(
        id=f"article:cutoff:{number}", kind="article", source_id="cutoff", topic="shipping",
        title="What time do I need to order by?", url="https://help.example/cutoff", text=text,
    )  # fmt: skip


CHUNKS = [
    _chunk(
        1,
        "Order by 2 pm ET on a weekday and we dispatch the same day. "
        "Later orders go out the next business day.",
    ),
    _chunk(2, "Weekends and holidays. Orders placed on Saturday or Sunday are dispatched on Monday."),
    _chunk(3, "Express orders. Express parcels arrive 1-2 business days after dispatch."),
]


async def test_the_lead_and_the_best_sentence_are_quoted_in_order_with_the_link() -> None:
    quote = await ExtractiveAnswerer(None).quote(
        "are orders placed on sunday dispatched", [CHUNKS[1]], {"cutoff": CHUNKS}
    )
    assert quote.best_sentence == "Orders placed on Saturday or Sunday are dispatched on Monday."
    assert quote.text == (
        "Order by 2 pm ET on a weekday and we dispatch the same day. "
        "Later orders go out the next business day. "
        "… Orders placed on Saturday or Sunday are dispatched on Monday."
    )
    assert quote_with_pointer(quote).endswith(
        'More in our help centre: "What time do I need to order by?" https://help.example/cutoff'
    )


async def test_a_product_is_quoted_whole_without_a_link() -> None:
    product = Passage(
        id="product:P1", kind="product", source_id="P1", topic="Electronics", title="Voltra Webcam",
        url=None, text="Voltra Webcam (Electronics) costs $24.99. It is in stock.",
    )  # fmt: skip
    quote = await ExtractiveAnswerer(None).quote(
        "voltra webcam price", [product, CHUNKS[0]], {"cutoff": CHUNKS}
    )
    assert quote_with_pointer(quote) == "Voltra Webcam (Electronics) costs $24.99. It is in stock."


async def test_a_runner_up_sentence_close_to_the_best_is_quoted_too() -> None:
    chunks = [
        _chunk(1, "Order by 2 pm ET on a weekday and we dispatch the same day."),
        _chunk(2, "Pay no attention to this filler line here. Saturday orders are dispatched on Monday."),
        _chunk(
            3, "Sunday orders are dispatched on Monday as well. Another filler sentence follows right here."
        ),
    ]
    quote = await ExtractiveAnswerer(None).quote(
        "are saturday and sunday orders dispatched monday", [chunks[1]], {"cutoff": chunks}
    )
    assert quote.text == (
        "Order by 2 pm ET on a weekday and we dispatch the same day. "
        "… Saturday orders are dispatched on Monday. "
        "Sunday orders are dispatched on Monday as well."
    )


def _article(source: str, number: int, text: str) -> Passage:
    return Passage(
        id=f"article:{source}:{number}", kind="article", source_id=source, topic="shipping",
        title=source.replace("-", " "), url=f"https://help.example/{source}", text=text,
    )  # fmt: skip


async def test_a_heading_is_quoted_with_what_follows_it_even_in_the_next_chunk() -> None:
    chunks = [
        _article(
            "methods",
            1,
            "We offer three shipping methods. For addresses in the US. Standard takes 3-5 days. "
            "For addresses in the UK.",
        ),
        _article(
            "methods",
            2,
            "International takes 5-10 business days and costs $24.99 flat. Duties are paid on delivery.",
        ),
    ]
    quote = await ExtractiveAnswerer(None).quote(
        "shipping for addresses in the uk", [chunks[0]], {"methods": chunks}
    )
    assert quote.best_sentence == "For addresses in the UK."
    assert (
        "For addresses in the UK. International takes 5-10 business days and costs $24.99 flat." in quote.text
    )


async def test_a_sentence_that_points_back_is_quoted_with_the_one_before_it() -> None:
    chunks = [
        _article("cancel", 1, "If you cancel before dispatch you are not charged."),
        _article(
            "cancel",
            2,
            "The hold drops off within 3-7 business days. "
            "Until then, you may still see a pending payment in your bank app.",
        ),
    ]
    quote = await ExtractiveAnswerer(None).quote(
        "still see a pending payment in my bank app", [chunks[1]], {"cancel": chunks}
    )
    assert quote.best_sentence.startswith("Until then")
    assert "within 3-7 business days. Until then" in quote.text


async def test_a_clearly_lower_retrieved_source_is_not_quoted_for_a_slightly_closer_sentence() -> None:
    contact = _article("contact", 1, "Email support@brightcart.example and we reply within a day.")
    privacy = _article(
        "privacy", 1, "We use your email address to send you offers and news about our email newsletter."
    )
    question = "what is your email address"
    level = await ExtractiveAnswerer(None).quote(question, [contact, privacy], {}, [0.54, 0.54])
    assert (
        level.passage.source_id == "privacy"
    )  # the closer sentence wins when retrieval cannot tell them apart
    ranked = await ExtractiveAnswerer(None).quote(question, [contact, privacy], {}, [0.90, 0.30])
    assert ranked.passage.source_id == "contact"


DELETION = [
    _article(
        "delete",
        1,
        "You can ask us to delete your account at any time. We complete deletions within 30 days.",
    ),
    _article(
        "delete",
        2,
        "What happens to your data. Order records are kept for 7 years, because tax law requires it. "
        "Before you delete. Make sure any open orders are finished, as you won't see them afterwards.",
    ),
]


async def test_a_follow_up_without_words_of_its_own_gets_the_last_answers_sentence_it_names() -> None:
    last_reply = (
        "You can ask us to delete your account at any time. … "
        "Order records are kept for 7 years, because tax law requires it."
    )
    quote = await ExtractiveAnswerer(None).picked_up(
        Query.of("everything? even my old orders?"), last_reply, [DELETION[0]], {"delete": DELETION}
    )
    # "open orders" names orders too, but the last answer did not say it.
    assert quote is not None
    assert quote.text == "Order records are kept for 7 years, because tax law requires it."
    assert quote.passage.id == "article:delete:2"


async def test_a_follow_up_naming_nothing_the_last_answer_said_is_not_picked_up() -> None:
    last_reply = "You can ask us to delete your account at any time."
    quote = await ExtractiveAnswerer(None).picked_up(
        Query.of("even my old orders?"), last_reply, [DELETION[0]], {"delete": DELETION}
    )
    assert quote is None


class _Encoder:
    """Unit vectors by text length; ``during`` runs inside ``encode``, as another answer's thread would."""

    name = "test"

    def __init__(self, during: Callable[[], None] = lambda: None) -> None:
        self.during = during

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.during()
        vectors = np.zeros((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row, len(text) % 4] = 1.0
        return vectors


def test_a_question_asked_in_two_conversations_at_once_gets_its_vectors_in_both() -> None:
    # Two customers send the same question: one answer's thread has the question's vector in
    # the cache, the other thread is encoding a sentence and finishes (clearing the cache) meanwhile.
    question, sentence = "how do I reset my password?", "Open Account settings and choose Reset."
    answerer = ExtractiveAnswerer(None)
    answerer._encoder = _Encoder(during=lambda: answerer._vectors.clear())
    answerer._vectors[question] = np.array([1, 0, 0, 0], dtype=np.float32)
    vectors = answerer._embed([question, sentence])
    assert vectors.shape == (2, 4)
    assert vectors[0].tolist() == [1, 0, 0, 0]


def test_sentences_are_cached_and_questions_are_not() -> None:
    answerer = ExtractiveAnswerer(_Encoder())
    vectors = answerer._embed(["Parcels ship in a day.", "Tracking is e-mailed."], "where is my parcel?")
    assert vectors.shape == (3, 4)
    assert set(answerer._vectors) == {"Parcels ship in a day.", "Tracking is e-mailed."}


class _CountingEncoder(_Encoder):
    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.encoded += texts
        return super().encode(texts, batch_size)


async def test_a_question_retrieval_encoded_is_not_encoded_again() -> None:
    encoder = _CountingEncoder()
    answerer = ExtractiveAnswerer(encoder)
    passage = _article("a1", 1, "Parcels ship in a day. Tracking is e-mailed when it leaves.")
    answerer.prime([passage])
    encoder.encoded.clear()
    question = Query.of("when does my parcel ship?")
    # The vector retrieval had: it points at the first sentence's (length 22 -> axis 2).
    known = {question.text: np.array([0, 0, 1, 0], dtype=np.float32)}
    quote = await answerer.quote(question, [passage], {}, [0.9], known)
    assert encoder.encoded == []
    assert quote.best_sentence == "Parcels ship in a day."
    # Without it, the question is encoded (and only it: the sentences are primed).
    await answerer.quote(question, [passage], {}, [0.9])
    assert encoder.encoded == [question.text]
