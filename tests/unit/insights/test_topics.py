"""New messages join the nearest topic when close enough; the rest make new topics or wait."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from actions.insights.topics import PlacementOptions, TopicCentroid, TopicModel
from tests.unit.insights.fakes import WordHashEncoder, subject_messages

ENCODER = WordHashEncoder()


def _ids() -> Iterator[str]:
    number = 0
    while True:
        number += 1
        yield f"t-{number}"


def _allocator():  # type: ignore[no-untyped-def]
    ids = _ids()
    return lambda count: [next(ids) for _ in range(count)]


def _vectors(*groups: list[str]) -> np.ndarray:
    return ENCODER.encode([text for group in groups for text in group])


def test_a_first_run_makes_one_topic_per_subject() -> None:
    model = TopicModel([])
    placement = model.place(
        _vectors(subject_messages("late", 12), subject_messages("refund", 9)), _allocator()
    )
    assert sorted(placement.new_topics) == ["t-1", "t-2"]
    assert set(placement.topic_of[:12]) == {placement.topic_of[0]}
    assert set(placement.topic_of[12:]) == {placement.topic_of[12]} != {placement.topic_of[0]}
    assert not placement.waiting


def test_later_messages_join_existing_topics_and_keep_their_ids() -> None:
    model = TopicModel([])
    first = model.place(_vectors(subject_messages("late", 12), subject_messages("refund", 9)), _allocator())
    model.apply(first)
    sizes = {t: c.size for t, c in model.centroids.items()}
    later = _vectors(subject_messages("refund", 4, seed=2), subject_messages("late", 3, seed=2))
    second = model.place(later, _allocator())
    assert second.new_topics == []
    assert second.topic_of == [first.topic_of[12]] * 4 + [first.topic_of[0]] * 3
    assert all(score >= PlacementOptions().join_threshold for score in second.similarity)
    model.apply(second)
    assert model.centroids[first.topic_of[12]].size == sizes[first.topic_of[12]] + 4


def test_a_new_subject_becomes_a_new_topic_beside_the_old_ones() -> None:
    late = TopicCentroid("t-7", ENCODER.encode(subject_messages("late", 10)).sum(axis=0), 10)
    model = TopicModel([late])
    vectors = _vectors(subject_messages("password", 6), subject_messages("late", 2))
    placement = model.place(vectors, lambda count: [f"t-{8 + n}" for n in range(count)])
    assert placement.new_topics == ["t-8"]
    assert placement.topic_of == ["t-8"] * 6 + ["t-7"] * 2


def test_too_few_messages_wait_instead_of_making_a_topic() -> None:
    model = TopicModel([])
    placement = model.place(
        _vectors(subject_messages("late", 12), subject_messages("sizes", 2)), _allocator()
    )
    assert placement.new_topics == ["t-1"]
    assert placement.waiting == [12, 13]
    assert placement.similarity[12] == 0


def test_a_loose_cluster_waits() -> None:
    # Unrelated one-off messages: no cluster is cohesive enough to be a topic.
    rng = np.random.default_rng(5)
    noise = rng.normal(size=(8, 384))
    placement = TopicModel([]).place(noise / np.linalg.norm(noise, axis=1, keepdims=True), _allocator())
    assert placement.new_topics == [] and len(placement.waiting) == 8


def test_two_alike_and_one_stranger_make_no_topic_three_alike_do() -> None:
    # Cohesion alone would pass the first (0.71): its pairs are judged instead.
    stranger = ["my parcel was left with a neighbour"]
    mixed = TopicModel([]).place(_vectors(subject_messages("sizes", 2), stranger), _allocator())
    assert mixed.new_topics == [] and len(mixed.waiting) == 3
    three = TopicModel([]).place(_vectors(subject_messages("sizes", 3)), _allocator())
    assert three.new_topics == ["t-1"] and three.waiting == []
