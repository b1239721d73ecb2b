"""Passages: articles cut at paragraphs with their title, one passage per product."""

from __future__ import annotations

from actions.knowledge.passages import MAX_CHUNK_WORDS, article_passages, product_passage
from actions.store.models import Article, Product

BODY = """Yes, as long as your order hasn't shipped yet.

**While your order is processing**

You can change the address while the status is "Processing". Ask our assistant with:

- your order number
- the new address

**Once your order has shipped**

""" + " ".join(["The carrier has the parcel and we can no longer change where it goes."] * 12)


def _article() -> Article:
    return Article(
        id="change-address",
        title="Can I change my address?",
        topic="delivery",
        tags=[],
        body=BODY,
        url="https://help.example/change-address",
    )


def test_articles_are_cut_at_paragraphs_and_keep_lists_with_their_lead_in() -> None:
    passages = article_passages(_article())
    assert [p.id for p in passages] == ["article:change-address:1", "article:change-address:2"]
    first = passages[0].text
    assert "Ask our assistant with: your order number; the new address." in first
    assert "**" not in first
    assert all(p.url == "https://help.example/change-address" and p.topic == "delivery" for p in passages)
    assert passages[0].embedding_text.startswith("Can I change my address?. ")


def test_chunks_stay_short_unless_a_paragraph_is_long() -> None:
    for passage in article_passages(_article()):
        paragraphs = passage.text.count(". ") + 1
        assert len(passage.text.split()) <= MAX_CHUNK_WORDS or paragraphs > 1


def test_a_product_passage_states_price_stock_and_final_sale() -> None:
    product = Product(
        id="P1", name="Voltra Webcam", category="Electronics", description="4K webcam", price=49.99, stock=0,
        final_sale=True, attributes={"colour": "black"},
    )  # fmt: skip
    text = product_passage(product, "USD").text
    assert text.startswith("Voltra Webcam (Electronics) costs $49.99.")
    assert "out of stock" in text and "final-sale" in text and "colour: black" in text


def test_the_content_hash_follows_the_text_and_the_encoder() -> None:
    passage = article_passages(_article())[0]
    changed = passage.model_copy(update={"text": passage.text + " New."})
    assert passage.content_hash("m1") == passage.model_copy().content_hash("m1")
    assert passage.content_hash("m1") != changed.content_hash("m1")
    assert passage.content_hash("m1") != passage.content_hash("m2")
