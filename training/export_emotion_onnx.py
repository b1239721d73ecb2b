"""Exports the trained emotion network (LoRA merged into MiniLM, plus its head) to ONNX.

The action server then reads emotions with onnxruntime (actions/emotion/classifier.py),
about three times faster than torch for one message. The export records a fingerprint of
the model files it came from; a retrained model whose export was not redone is read with
torch until ``make setup`` exports it again. Run at setup:

    python -m training.export_emotion_onnx --model models/emotion --out models/emotion-onnx
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import torch
from peft import PeftModel
from safetensors.torch import load_file

from actions.emotion.classifier import ONNX_MODEL_FILE, ONNX_SOURCE_FILE
from actions.emotion.network import (
    ADAPTER_DIR,
    HEAD_FILE,
    EmotionNetwork,
    base_model_path,
    fingerprint,
    load_base,
)

INPUTS = ["input_ids", "attention_mask"]


def export(model_dir: Path, out: Path) -> Path:
    """Write ``model.onnx``, ``tokenizer.json`` and ``source.json`` into ``out``; returns the model path."""
    tokenizer, base = load_base()
    network = EmotionNetwork(PeftModel.from_pretrained(base, model_dir / ADAPTER_DIR).merge_and_unload())
    network.head.load_state_dict(load_file(model_dir / HEAD_FILE))
    network.eval()
    sample = tokenizer(["hello world", "a slightly longer sentence"], padding=True, return_tensors="pt")
    out.mkdir(parents=True, exist_ok=True)
    target = out / ONNX_MODEL_FILE
    partial = out / f"{ONNX_MODEL_FILE}.partial"
    torch.onnx.export(
        network,
        tuple(sample[name] for name in INPUTS),
        str(partial),
        input_names=INPUTS,
        output_names=["logits"],
        dynamic_axes={**{name: {0: "batch", 1: "seq"} for name in INPUTS}, "logits": {0: "batch"}},
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )
    partial.replace(target)  # never leave a half-written model behind
    shutil.copyfile(base_model_path() / "tokenizer.json", out / "tokenizer.json")
    (out / ONNX_SOURCE_FILE).write_text(json.dumps({"fingerprint": fingerprint(model_dir)}) + "\n")
    return target


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/emotion"))
    parser.add_argument("--out", type=Path, default=Path("models/emotion-onnx"))
    args = parser.parse_args()
    target = export(args.model, args.out)
    print(f"exported {target} ({target.stat().st_size / 2**20:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
