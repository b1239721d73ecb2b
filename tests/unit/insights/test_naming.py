"""Topic names from class-based TF-IDF over the topics' words."""

from __future__ import annotations

import math

import pytest

from actions.insights.naming import c_tf_idf, distinctive_words, merge_terms, term_counts, words


def test_words_drop_stop_words_mask_labels_and_service_chatter() -> None:
    assert words("Hi, my [order number] parcel is LATE again, thanks [name]!") == ["parcel", "late"]
    assert words("I'm [e-mail]") == []


def test_c_tf_idf_follows_the_bertopic_formula() -> None:
    terms = {"a": {"late": 4, "order": 2}, "b": {"refund": 3, "order": 3}}
    weights = c_tf_idf(terms)
    average_words = (4 + 2 + 3 + 3) / 2
    assert weights["a"]["late"] == pytest.approx(4 * math.log(1 + average_words / 4))
    assert weights["a"]["order"] == pytest.approx(2 * math.log(1 + average_words / 5))
    assert weights["b"]["order"] == pytest.approx(3 * math.log(1 + average_words / 5))


def test_a_word_every_topic_uses_does_not_name_one() -> None:
    late = term_counts(["parcel late order", "carrier late order", "late parcel order order"])
    refund = term_counts(["refund order", "refund card order", "money back order"])
    named = distinctive_words({"t-1": late, "t-2": refund}, top=3, name_words=2)
    assert named["t-1"].words[0] == "late" and "order" not in named["t-1"].name
    assert named["t-2"].name.startswith("refund")
    assert named["t-1"].name == "late · parcel"


def test_merged_counts_keep_the_most_frequent_words() -> None:
    merged = merge_terms({"late": 3, "parcel": 1}, {"parcel": 5, "zebra": 1}, keep=2)
    assert merged == {"parcel": 6, "late": 3}
