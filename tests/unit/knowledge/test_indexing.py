"""Indexing into real Redis: only new or changed passages are embedded, removed ones are dropped."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from redis import Redis

from actions.keys import Keys
from actions.knowledge.indexing import index_passages
from actions.knowledge.passages import Passage

KEYS = Keys("t")


class CountingEncoder:
    """Deterministic vectors from the text's hash; records what it was asked to embed."""

    name = "counting"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.seen += list(texts)
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(384) for t in texts]
        matrix = np.array(rows, dtype=np.float32).reshape(len(texts), 384)
        return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)


def _passage(number: int, text: str) -> Passage:
    return Passage(
        id=f"article:a:{number}",
        kind="article",
        source_id="a",
        topic="t",
        title="A",
        url="https://x/a",
        text=text,
    )


def test_reindexing_embeds_only_what_changed(redis_client: Redis) -> None:
    encoder = CountingEncoder()
    first = index_passages(redis_client, KEYS, [_passage(1, "one"), _passage(2, "two")], encoder)
    assert (first.embedded, first.reused, first.removed) == (2, 0, 0)

    encoder.seen.clear()
    second = index_passages(
        redis_client, KEYS, [_passage(1, "one"), _passage(2, "two, edited"), _passage(3, "three")], encoder
    )
    assert encoder.seen == ["A. two, edited", "A. three"]
    assert (second.embedded, second.reused, second.removed) == (2, 1, 0)
    assert second.version != first.version

    third = index_passages(redis_client, KEYS, [_passage(1, "one")], encoder)
    assert (third.embedded, third.removed) == (0, 2)
    assert redis_client.hkeys(KEYS.knowledge_vectors) == [b"article:a:1"]
    assert len(redis_client.hget(KEYS.knowledge_vectors, "article:a:1")) == 384 * 4


def test_an_unchanged_index_keeps_its_version(redis_client: Redis) -> None:
    encoder = CountingEncoder()
    passages = [_passage(1, "one")]
    assert (
        index_passages(redis_client, KEYS, passages, encoder).version
        == index_passages(redis_client, KEYS, passages, encoder).version
    )
