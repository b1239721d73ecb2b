"""Loads the trained emotion model once and scores messages."""

from __future__ import annotations

import logging
from pathlib import Path

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
    load_base,
)
from actions.errors import ModelUnavailable

logger = logging.getLogger(__name__)


class EmotionClassifier:
    """The LoRA-adapted MiniLM classifier, merged into plain weights for inference."""

    def __init__(self, model_dir: Path) -> None:
        config_path = model_dir / ARTEFACT_CONFIG
        if not config_path.is_file():
            raise ModelUnavailable(
                f"no emotion model at {model_dir}: train one with `python -m training.emotion train`"
            )
        try:
            self.config = ArtefactConfig.model_validate_json(config_path.read_text())
            self._tokenizer, base = load_base()
            encoder = PeftModel.from_pretrained(base, model_dir / ADAPTER_DIR).merge_and_unload()
            self._network = EmotionNetwork(encoder)
            self._network.head.load_state_dict(load_file(model_dir / HEAD_FILE))
        except (OSError, ValueError, RuntimeError, ImportError) as error:
            raise ModelUnavailable(f"emotion model at {model_dir} cannot be loaded: {error}") from error
        self._network.eval()
        self.label_thresholds = np.asarray(self.config.label_thresholds)
        self.ekman_thresholds = np.asarray(self.config.ekman_thresholds)
        logger.info("emotion model loaded from %s", model_dir)

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
        batch = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self.config.max_length, return_tensors="pt"
        )
        with torch.inference_mode():
            logits = self._network(batch["input_ids"], batch["attention_mask"])
        return torch.sigmoid(logits).numpy()
