"""The emotion model read with onnxruntime (the setup-time export) and with torch agree.

Needs models/emotion-onnx/ from `make setup` (training/export_emotion_onnx.py).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from actions.emotion.classifier import EmotionClassifier
from actions.emotion.network import fingerprint

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "models" / "emotion"
EXPORT = ROOT / "models" / "emotion-onnx"
TEXTS = [
    "hi",
    "I'm furious, my order never arrived and nobody answers my emails!!",
    "thank you so much, that was really helpful",
    "where is my order?",
    "I'm worried the parcel got lost",
]


@pytest.fixture(scope="module")
def torch_model() -> EmotionClassifier:
    return EmotionClassifier(MODEL)


def test_the_export_reads_the_same_scores_as_torch(torch_model: EmotionClassifier) -> None:
    onnx_model = EmotionClassifier(MODEL, EXPORT)
    assert (onnx_model.runtime, torch_model.runtime) == ("onnxruntime", "torch")
    together = onnx_model.probabilities(TEXTS)
    assert together.shape == (len(TEXTS), len(onnx_model.labels) + len(onnx_model.ekman_labels))
    np.testing.assert_allclose(together, torch_model.probabilities(TEXTS), atol=1e-4)
    # Padding a short message to a long one's length must not change its scores.
    alone = np.vstack([onnx_model.probabilities([text]) for text in TEXTS])
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_an_export_of_another_model_is_not_used(
    tmp_path: Path, torch_model: EmotionClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    stale = tmp_path / "emotion-onnx"
    shutil.copytree(EXPORT, stale)
    (stale / "source.json").write_text(json.dumps({"fingerprint": "0" * 64}))
    with caplog.at_level(logging.WARNING, logger="actions.emotion.classifier"):
        model = EmotionClassifier(MODEL, stale)
    assert model.runtime == "torch"
    assert "no current ONNX export" in caplog.text
    read, expected = model.probabilities(TEXTS[:2]), torch_model.probabilities(TEXTS[:2])
    np.testing.assert_allclose(read, expected, atol=1e-6)


def test_a_missing_export_falls_back_to_torch(tmp_path: Path) -> None:
    assert EmotionClassifier(MODEL, tmp_path / "nothing-here").runtime == "torch"


def test_the_export_records_the_model_it_came_from() -> None:
    source = json.loads((EXPORT / "source.json").read_text())
    assert source["fingerprint"] == fingerprint(MODEL)
