"""all-MiniLM-L6-v2 sentence embeddings with onnxruntime, from the export made at setup.

The same model and pooling as ``embedding.SentenceEncoder`` (cosine to its vectors above
0.9999), a third of its time for one short text: the action server encodes a question or
two per store turn, where torch's per-call overhead dominated (benchmarks/README.md).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from actions.errors import ModelUnavailable
from actions.knowledge.embedding import DIMENSION, MODEL_NAME
from actions.onnx_runtime import encoded, inference_session, mean_pooled, word_pieces

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# sentence-transformers' max_seq_length for this model.
MAX_LENGTH = 256


class OnnxSentenceEncoder:
    """Encodes texts into L2-normalised float32 vectors; build once per process."""

    name = MODEL_NAME

    def __init__(self, export_dir: Path, threads: int = 1) -> None:
        model, tokenizer = export_dir / MODEL_FILE, export_dir / TOKENIZER_FILE
        if not (model.is_file() and tokenizer.is_file()):
            raise ModelUnavailable(f"no ONNX export of {MODEL_NAME} in {export_dir}; run `make setup`")
        try:
            self._tokenizer = word_pieces(tokenizer, MAX_LENGTH)
            self._session = inference_session(model, threads)
        except (OSError, ValueError, RuntimeError, ImportError) as error:
            raise ModelUnavailable(f"cannot load the ONNX export in {export_dir}: {error}") from error
        self._inputs = {i.name for i in self._session.get_inputs()}
        # A tokenizer with padding enabled is not to be shared by two threads at once.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Shape (len(texts), 384), unit length, so a dot product is the cosine similarity."""
        vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        # Batches of similar length waste little time on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for first in range(0, len(order), batch_size):
            rows = order[first : first + batch_size]
            with self._lock:
                feeds = encoded(self._tokenizer, [texts[i] for i in rows])
            (hidden,) = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
            vectors[rows] = mean_pooled(hidden, feeds["attention_mask"])
        return vectors
