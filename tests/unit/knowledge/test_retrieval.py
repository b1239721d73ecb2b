"""Retrieval over a small index in real Redis with the real sentence encoder."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.errors import StoreDataError, StoreUnavailable
from actions.keys import Keys
from actions.knowledge.embedding import SentenceEncoder
from actions.knowledge.indexing import index_passages
from actions.knowledge.passages import Passage
from actions.knowledge.question import Question
from actions.knowledge.retrieval import Retriever, build_query

KEYS = Keys("t")


def _article(source: str, topic: str, title: str, text: str) -> Passage:
    return Passage(
        id=f"article:{source}:1",
        kind="article",
        source_id=source,
        topic=topic,
        title=title,
        url=f"https://help.example/{source}",
        text=text,
    )


PASSAGES = [
    _article("returns", "returns", "What is your return policy?",
             "You can return an item within 30 days of delivery if it is unused."),
    _article("shipping-times", "shipping", "How long does delivery take?",
             "Standard delivery takes 3-5 business days; Express takes 1-2."),
    _article("payment-methods", "payments", "Which payment methods do you accept?",
             "We accept Visa, Mastercard, PayPal and Klarna."),
    Passage(id="product:P1", kind="product", source_id="P1", topic="Electronics",
            title="Voltra Webcam Sport", url=None,
            text="Voltra Webcam Sport (Electronics) costs $24.99. It is in stock. "
            "1080p webcam with autofocus."),
    Passage(id="product:P2", kind="product", source_id="P2", topic="Home & Kitchen",
            title="Casa Verde Blender", url=None,
            text="Casa Verde Blender (Home & Kitchen) costs $89.99. It is out of stock right now. "
            "900 W blender."),
]  # fmt: skip


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


@pytest.fixture
async def retriever(
    redis_client: Redis, redis_url: str, encoder: SentenceEncoder
) -> AsyncIterator[Retriever]:
    index_passages(redis_client, KEYS, PASSAGES, encoder)
    client = AsyncRedis.from_url(redis_url)
    yield Retriever(client, KEYS, encoder, min_score=0.45)
    await client.aclose()


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("how many days do I have to send something back?", "returns"),
        ("when will my parcel arrive", "shipping-times"),
        ("can I pay with klarna", "payment-methods"),
        ("how much is the voltra webcam", "P1"),
        ("is the casa verde blender available", "P2"),
    ],
)
async def test_the_passage_that_answers_comes_first_and_is_confident(
    retriever: Retriever, question: str, source: str
) -> None:
    retrieval = await retriever.retrieve(question)
    assert retrieval.best is not None and retrieval.best.passage.source_id == source
    assert retrieval.confident
    assert [s.score for s in retrieval.passages] == sorted(
        (s.score for s in retrieval.passages), reverse=True
    )


async def test_the_retrieval_carries_the_vector_of_what_it_searched_for(
    retriever: Retriever, encoder: SentenceEncoder
) -> None:
    retrieval = await retriever.retrieve("when will my parcel arrive")
    vector = retrieval.vectors[retrieval.query.text]
    assert float(vector @ encoder.encode([retrieval.query.text])[0]) > 0.9999
    # A follow-up searched for with what it follows and alone: both texts' vectors.
    follow_up = await retriever.retrieve("and the blender?", history=["how much is the voltra webcam"])
    assert len(follow_up.vectors) == 2 and follow_up.query.text in follow_up.vectors


async def test_an_unrelated_question_is_not_confident(retriever: Retriever) -> None:
    retrieval = await retriever.retrieve("who won the football world cup in 1998?")
    assert not retrieval.confident


async def test_a_short_follow_up_is_read_with_the_previous_question(retriever: Retriever) -> None:
    def query(question: str, history: list[str]) -> str:
        return build_query(Question.of(question), history).text

    assert (
        query("and the blender?", ["how much is the voltra webcam"])
        == "how much is the voltra webcam and the blender?"
    )
    assert (
        query("What about the price?", ["Tell me about returns", "What about the price?"])
        == "Tell me about returns What about the price?"
    )
    assert query("How long does delivery take to Canada?", ["hi"]) == "How long does delivery take to Canada?"
    # Read with the webcam question it still finds the webcam; alone it clearly finds its own subject.
    retrieval = await retriever.retrieve("and the blender?", history=["how much is the voltra webcam"])
    assert retrieval.best is not None and retrieval.best.passage.source_id == "P2"
    # Without a subject of its own, a follow-up keeps the previous question's.
    price = await retriever.retrieve("and how much is it?", history=["is the casa verde blender available"])
    assert price.query.text == "is the casa verde blender available and how much is it?"
    assert price.best is not None and price.best.passage.source_id == "P2"


async def test_a_follow_up_without_a_subject_never_stands_alone(retriever: Retriever) -> None:
    # Alone, "how long does that take" matches delivery times, and the intent says shipping.
    retrieval = await retriever.retrieve(
        "and how long does that take",
        "shipping_question",
        ["can I send my shoes back?"],
        intent_confidence=0.9,
    )
    assert retrieval.query.text == "can I send my shoes back? and how long does that take"
    assert retrieval.best is not None and retrieval.best.passage.source_id == "returns"


async def test_the_intent_prefers_its_topics(retriever: Retriever) -> None:
    retrieval = await retriever.retrieve("how long does it take", intent="shipping_question")
    assert retrieval.best is not None and retrieval.best.passage.source_id == "shipping-times"


async def test_a_reseed_is_picked_up_without_a_restart(
    retriever: Retriever, redis_client: Redis, encoder: SentenceEncoder
) -> None:
    assert (await retriever.retrieve("gift wrapping")).best.passage.source_id != "gift-wrap"  # type: ignore[union-attr]
    gift = _article("gift-wrap", "orders", "Do you offer gift wrapping?", "Gift wrapping costs $4 per order.")
    index_passages(redis_client, KEYS, [*PASSAGES, gift], encoder)
    assert (await retriever.retrieve("gift wrapping")).best.passage.source_id == "gift-wrap"  # type: ignore[union-attr]
    assert "Gift" not in " ".join((await retriever.catalogue()).names)


async def test_an_empty_index_and_a_dead_redis_are_clear_errors(
    redis_client: Redis, encoder: SentenceEncoder
) -> None:
    live, gone = (
        AsyncRedis.from_url("redis://127.0.0.1:6379/15"),
        AsyncRedis.from_url("redis://127.0.0.1:1/0"),
    )
    with pytest.raises(StoreDataError, match="seed"):
        await Retriever(live, Keys("nothing-here"), encoder, 0.5).retrieve("returns")
    with pytest.raises(StoreUnavailable):
        await Retriever(gone, KEYS, encoder, 0.5).retrieve("returns")
    await live.aclose()
    await gone.aclose()


async def test_a_loaded_index_keeps_answering_when_redis_goes_away(retriever: Retriever) -> None:
    await retriever.retrieve("returns")
    live, gone = retriever._redis, AsyncRedis.from_url("redis://127.0.0.1:1/0")
    retriever._redis = gone  # Redis is gone
    assert (await retriever.retrieve("how many days to return?")).best.passage.source_id == "returns"  # type: ignore[union-attr]
    retriever._redis = live
    await gone.aclose()
