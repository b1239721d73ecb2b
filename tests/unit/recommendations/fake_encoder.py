"""A deterministic bag-of-words encoder: texts sharing words have a high cosine."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

DIMENSION = 384
IGNORED = frozenset(
    {"it", "is", "in", "a", "the", "and", "costs", "stock", "of", "out", "right", "now", "details"}
)


class BagOfWordsEncoder:
    name = "bag-of-words-test"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.calls += 1
        rows = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                if word not in IGNORED and len(word) > 2:
                    rows[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMENSION] += 1.0
            norm = np.linalg.norm(rows[i])
            if norm:
                rows[i] /= norm
        return rows
