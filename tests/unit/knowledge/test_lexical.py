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
