"""A provisional segment for anonymous visitors from what they say."""

from __future__ import annotations

from actions.segments.models import Segment
from actions.segments.provisional import category_vocabulary, provisional_segment, text_cues
from tests.unit.segments.tiny_store import PRODUCTS

VOCABULARY = category_vocabulary(PRODUCTS)


def _segment(n: int, label: str, frequency: float, discount: float, affinity: dict[str, float]) -> Segment:
    centroid = {"frequency": frequency, "discount_share": discount}
    centroid.update({f"affinity:{c}": affinity.get(c, 0.0) for c in ("Books", "Electronics", "Garden")})
    return Segment(id=n, label=label, size=10, share=0.25, centroid=centroid, model_version="m1")


SEGMENTS = [
    _segment(0, "frequent, electronics", 9.0, 0.05, {"Electronics": 0.9, "Books": 0.1}),
    _segment(1, "voucher-driven, books", 2.0, 0.9, {"Books": 0.8, "Garden": 0.2}),
    _segment(2, "garden, rarely uses vouchers", 3.0, 0.0, {"Garden": 0.9, "Books": 0.1}),
    _segment(3, "never bought", 0.0, 0.0, {}),
]


def test_the_vocabulary_holds_category_names_and_words_unique_to_a_category() -> None:
    assert {"electronics", "earbuds", "speaker", "webcam"} <= VOCABULARY["Electronics"]
    assert {"books", "cookbook", "paperleaf"} <= VOCABULARY["Books"]
    assert "garden" in VOCABULARY["Garden"] and "shears" in VOCABULARY["Garden"]


def test_cues_count_category_words_plurals_included_and_price_words() -> None:
    shares, price, cues = text_cues("Any cheap earbuds or speakers? Also a cookbook.", VOCABULARY)
    assert shares == {"Books": round(1 / 3, 4), "Electronics": round(2 / 3, 4)}
    assert price is True
    assert cues == ["cheap", "earbuds", "speakers", "cookbook"]


def test_category_words_pick_the_segment_with_those_affinities() -> None:
    guess = provisional_segment("looking for new earbuds", SEGMENTS, VOCABULARY)
    assert guess.segment_id == 0 and guess.label == "frequent, electronics"
    assert guess.interest == {"Electronics": 1.0}
    assert guess.segment_affinity == {"Books": 0.1, "Electronics": 0.9}
    garden = provisional_segment("do you sell pruning shears and a watering can", SEGMENTS, VOCABULARY)
    assert garden.segment_id == 2


def test_price_words_alone_pick_the_voucher_driven_segment() -> None:
    guess = provisional_segment("any good deals today?", SEGMENTS, VOCABULARY)
    assert guess.segment_id == 1 and guess.price_sensitive and guess.interest == {}
    # Without the price word the same visitor gives no cue at all.
    assert provisional_segment("anything good today?", SEGMENTS, VOCABULARY).segment_id is None


def test_no_cue_gives_no_segment_and_never_bought_segments_are_never_chosen() -> None:
    assert provisional_segment("hello there, how are you?", SEGMENTS, VOCABULARY).segment_id is None
    only_sleepers = provisional_segment("earbuds", SEGMENTS[3:], VOCABULARY)
    assert only_sleepers.segment_id is None and only_sleepers.interest == {"Electronics": 1.0}
