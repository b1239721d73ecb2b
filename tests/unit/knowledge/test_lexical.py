import math

from actions.knowledge.lexical import LexicalIndex, tokenize


def test_tokenize_drops_stopwords_and_folds_plurals() -> None:
    assert tokenize("How do I get my Refunds?") == ["refund"]


def test_search_ranks_the_matching_document_first() -> None:
    index = LexicalIndex(
        {
            "shipping": "Shipping costs: standard shipping is free on orders over fifty dollars",
            "refunds": "Refunds go back to your card within ten business days",
            "password": "Reset your password from the sign in page",
        }
    )
    hits = index.search("when do I get my refund?")
    assert hits[0].doc_id == "refunds"
    assert all(hit.doc_id != "password" for hit in hits)


def test_search_can_be_restricted_and_misses_return_nothing() -> None:
    index = LexicalIndex({"a": "express shipping", "b": "express checkout"})
    assert [h.doc_id for h in index.search("express", among={"b"})] == ["b"]
    assert index.search("zebra") == []


def test_score_array_follows_document_order_and_matches_bm25() -> None:
    documents = {"a": "express shipping costs", "b": "gift cards", "c": "shipping shipping to canada"}
    index = LexicalIndex(documents)
    scores = index.score_array("shipping to canada")
    assert scores.shape == (3,)
    assert scores[1] == 0.0
    assert scores[2] > scores[0] > 0.0
    # idf of "shipping" (in 2 of 3 documents), document "a" of average length: plain BM25 arithmetic.
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    assert abs(index.score_array("shipping")[0] - idf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 3 / (8 / 3)))) < 1e-5


def test_a_query_tokenised_already_scores_the_same() -> None:
    index = LexicalIndex({"a": "express shipping costs", "b": "gift cards", "c": "shipping to canada"})
    query = "How much is shipping to Canada?"
    assert (index.score_tokens(tokenize(query)) == index.score_array(query)).all()
