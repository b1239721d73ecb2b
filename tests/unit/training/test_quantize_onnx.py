"""The int8 copy of an ONNX encoder: written whole, close to the float model, a clear error without one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from training import quantize_onnx


def _float_model(path: Path) -> np.ndarray:
    """A 64 -> 32 projection, like one of the encoder's layers; returns its weight."""
    weight = np.random.default_rng(7).normal(size=(64, 32)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "projection",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 32])],
        [numpy_helper.from_array(weight, "w")],
    )
    # IR version 8: what onnxruntime reads (the onnx package would write its newest).
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)
    return weight


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def test_the_int8_model_stores_int8_weights_and_answers_close_to_the_float_one(tmp_path: Path) -> None:
    source, target = tmp_path / "model.onnx", tmp_path / "model.int8.onnx"
    _float_model(source)
    assert quantize_onnx.quantize(source, target) == target
    weights = [i for i in onnx.load(target).graph.initializer if i.data_type == TensorProto.INT8]
    assert weights, "no int8 weights in the quantised model"
    x = np.random.default_rng(8).normal(size=(4, 64)).astype(np.float32)
    expected, got = _run(source, x), _run(target, x)
    cosine = (expected * got).sum(1) / (np.linalg.norm(expected, axis=1) * np.linalg.norm(got, axis=1))
    assert cosine.min() > 0.99
    assert not (tmp_path / "model.int8.onnx.partial").exists()


def test_a_missing_model_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="--model .*model.onnx does not exist"):
        quantize_onnx.quantize(tmp_path / "model.onnx", tmp_path / "model.int8.onnx")
