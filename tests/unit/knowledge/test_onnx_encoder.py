"""all-MiniLM-L6-v2 through onnxruntime gives torch's vectors (needs models/minilm-onnx from `make setup`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from actions.errors import ModelUnavailable
from actions.knowledge.embedding import SentenceEncoder
from actions.knowledge.onnx_encoder import OnnxSentenceEncoder

EXPORT = Path(__file__).resolve().parents[3] / "models" / "minilm-onnx"


def test_vectors_match_the_torch_encoder_in_the_callers_order() -> None:
    texts = [
        "How long does a refund take once the warehouse has received the returned parcel?",
        "refund",
        "Do you ship to Canada?",
        "",
        "Express shipping arrives in 1 to 2 business days.",
    ]
    onnx_vectors = OnnxSentenceEncoder(EXPORT).encode(texts, batch_size=2)
    torch_vectors = SentenceEncoder(bfloat16=False).encode(texts)
    assert onnx_vectors.shape == (len(texts), 384) and onnx_vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(onnx_vectors * torch_vectors, axis=1)) > 0.9999


def test_no_texts_give_no_rows() -> None:
    assert OnnxSentenceEncoder(EXPORT).encode([]).shape == (0, 384)


def test_a_missing_export_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="make setup"):
        OnnxSentenceEncoder(tmp_path)
