"""The one interface every user of sentence embeddings relies on (indexing, retrieval, coverage, quotes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class TextEncoder(Protocol):
    """Encodes texts into unit-length float32 vectors, so a dot product is the cosine similarity."""

    name: str

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """One row per text."""
        ...
