"""Embeds the store's help centre and catalogue into the retrieval index in Redis."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from redis import Redis

from actions.keys import Keys
from actions.knowledge.embedding import MODEL_NAME, SentenceEncoder
from actions.knowledge.encoder import TextEncoder
from actions.knowledge.indexing import IndexReport, index_passages
from actions.knowledge.passages import store_passages
from seed.generate import DemoStore


class _EncoderOnFirstUse:
    """Loads the sentence encoder only if a passage changed: an unchanged re-seed takes no model load."""

    name = MODEL_NAME

    def __init__(self) -> None:
        self._encoder: SentenceEncoder | None = None

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if self._encoder is None:
            self._encoder = SentenceEncoder(threads=2)
        return self._encoder.encode(texts, batch_size)


def index_knowledge(
    redis: Redis, keys: Keys, store: DemoStore, encoder: TextEncoder | None = None
) -> IndexReport:
    """Re-embed the passages that changed since the last run; drop the ones that are gone."""
    passages = store_passages(store.articles, store.products, store.policy)
    return index_passages(redis, keys, passages, encoder or _EncoderOnFirstUse())
