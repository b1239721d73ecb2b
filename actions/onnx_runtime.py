"""onnxruntime sessions and word-piece tokenizers for the MiniLM models, built once per process.

The action server runs its MiniLM models (retrieval's sentence encoder, the emotion
network) with onnxruntime when their setup-time exports exist: for one short message
a forward pass takes about a third of torch's time on this CPU (benchmarks/README.md,
"Where a turn's time goes"). The exports are made by ``training/export_minilm_onnx.py``
and ``training/export_emotion_onnx.py``; without them the torch models answer as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def inference_session(model_file: Path, threads: int) -> Any:
    """An onnxruntime CPU session with ``threads`` intra-op threads and no thread spinning.

    Spinning keeps idle threads busy-waiting for the next operator; on a machine whose cores
    are shared by the Rasa server and the action server that is CPU taken from them.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


def word_pieces(tokenizer_file: Path, max_length: int) -> Any:
    """The model's WordPiece tokenizer: pads to the batch's longest text, truncates at ``max_length``."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    # The shipped tokenizer.json pads every text to 128 tokens: pad to the batch's longest instead.
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def encoded(tokenizer: Any, texts: list[str]) -> dict[str, np.ndarray]:
    """``input_ids``, ``attention_mask`` and ``token_type_ids`` of ``texts``, as int64 arrays."""
    encodings = tokenizer.encode_batch(texts)
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


def mean_pooled(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Mean of the hidden states over the real tokens, L2-normalised: the sentence-transformers embedding."""
    mask = attention_mask[..., None].astype(np.float32)
    pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
    pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return pooled.astype(np.float32)
