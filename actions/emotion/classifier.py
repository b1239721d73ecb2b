"""Loads the trained emotion model once and scores messages."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from peft import PeftModel
from safetensors.torch import load_file

from actions.emotion.network import (
    ADAPTER_DIR,
    ARTEFACT_CONFIG,
    HEAD_FILE,
    ArtefactConfig,
    EmotionNetwork,
    fingerprint,
    load_base,
)
from actions.errors import ModelUnavailable
from actions.onnx_runtime import encoded, inference_session, word_pieces

logger = logging.getLogger(__name__)


# What training/export_emotion_onnx.py writes next to the ONNX model.
ONNX_MODEL_FILE = "model.onnx"
ONNX_SOURCE_FILE = "source.json"


class EmotionClassifier:
    """The LoRA-adapted MiniLM classifier, merged into plain weights for inference.

    Runs with onnxruntime when ``onnx_dir`` holds an export of this very model (its
    fingerprint matches), otherwise with torch; both give the same scores to within 1e-4.
    """

    def __init__(self, model_dir: Path, onnx_dir: Path | None = None, threads: int = 1) -> None:
        config_path = model_dir / ARTEFACT_CONFIG
        if not config_path.is_file():
            raise ModelUnavailable(
                f"no emotion model at {model_dir}: train one with `python -m training.emotion train`"
            )
        try:
            self.config = ArtefactConfig.model_validate_json(config_path.read_text())
            export = _current_export(model_dir, onnx_dir)
            self._logits: _Logits = (
                _OnnxLogits(export, self.config.max_length, threads)
                if export is not None
                else _TorchLogits(model_dir, self.config.max_length)
            )
        except (OSError, ValueError, RuntimeError, ImportError) as error:
            raise ModelUnavailable(f"emotion model at {model_dir} cannot be loaded: {error}") from error
        self.runtime = self._logits.runtime
        self.label_thresholds = np.asarray(self.config.label_thresholds)
        self.ekman_thresholds = np.asarray(self.config.ekman_thresholds)
        logger.info("emotion model loaded from %s (%s)", model_dir, self.runtime)

    @property
    def labels(self) -> list[str]:
        """The 28 label names, in output order."""
        return self.config.labels

    @property
    def ekman_labels(self) -> list[str]:
        """The 7 Ekman group names, in output order."""
        return self.config.ekman_labels

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Sigmoid scores, shape (len(texts), 28 + 7)."""
        logits = self._logits(texts)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


class _Logits(Protocol):
    runtime: str

    def __call__(self, texts: list[str]) -> np.ndarray: ...


class _TorchLogits:
    runtime = "torch"

    def __init__(self, model_dir: Path, max_length: int) -> None:
        self._tokenizer, base = load_base()
        with warnings.catch_warnings():
            # peft asks transformers 5 a deprecated question while merging; nothing for us to change.
            warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
            encoder = PeftModel.from_pretrained(base, model_dir / ADAPTER_DIR).merge_and_unload()
        self._network = EmotionNetwork(encoder)
        self._network.head.load_state_dict(load_file(model_dir / HEAD_FILE))
        self._network.eval()
        self._max_length = max_length

    def __call__(self, texts: list[str]) -> np.ndarray:
        batch = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self._max_length, return_tensors="pt"
        )
        with torch.inference_mode():
            return self._network(batch["input_ids"], batch["attention_mask"]).numpy()


class _OnnxLogits:
    runtime = "onnxruntime"

    def __init__(self, export_dir: Path, max_length: int, threads: int) -> None:
        self._tokenizer = word_pieces(export_dir / "tokenizer.json", max_length)
        self._session = inference_session(export_dir / ONNX_MODEL_FILE, threads)

    def __call__(self, texts: list[str]) -> np.ndarray:
        feeds = encoded(self._tokenizer, texts)
        (logits,) = self._session.run(
            None, {"input_ids": feeds["input_ids"], "attention_mask": feeds["attention_mask"]}
        )
        return np.asarray(logits)


def _current_export(model_dir: Path, onnx_dir: Path | None) -> Path | None:
    """``onnx_dir`` if it holds an export of the model in ``model_dir``; otherwise None, said in the log."""
    if onnx_dir is None:
        return None
    try:
        source = json.loads((onnx_dir / ONNX_SOURCE_FILE).read_text())
        current = (onnx_dir / ONNX_MODEL_FILE).is_file() and source.get("fingerprint") == fingerprint(
            model_dir
        )
    except (OSError, ValueError, AttributeError):
        current = False
    if not current:
        logger.warning(
            "no current ONNX export of the emotion model in %s: reading emotions with torch "
            "(slower; `make setup` exports it)",
            onnx_dir,
        )
        return None
    return onnx_dir
