"""The Q8_0 re-encoding of the embedded model: same metadata and template, every Q4_1 matrix as Q8_0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType, GGUFReader
from gguf.quants import dequantize

from actions.errors import ModelUnavailable
from actions.generation.base import ChatMessage, GenerationRequest
from actions.generation.factory import packaged_model_file
from actions.generation.llama_cpp import LlamaCppGenerator
from jobs.gguf_requantize import FILE_TYPE_Q8_0, requantize_q4_1_to_q8_0

MESSAGES = (ChatMessage("user", "How long do I have to return shoes? Returns are accepted within 30 days."),)


@pytest.fixture(scope="module")
def q8_0_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return requantize_q4_1_to_q8_0(packaged_model_file(), tmp_path_factory.mktemp("q8") / "model.Q8_0.gguf")


@pytest.fixture(scope="module")
def readers(q8_0_file: Path) -> tuple[GGUFReader, GGUFReader]:
    return GGUFReader(packaged_model_file()), GGUFReader(q8_0_file)  # seconds each: read once


def test_every_q4_1_tensor_becomes_q8_0_and_the_rest_is_kept(
    q8_0_file: Path, readers: tuple[GGUFReader, GGUFReader]
) -> None:
    source, copy = readers
    assert [t.name for t in copy.tensors] == [t.name for t in source.tensors]
    for before, after in zip(source.tensors, copy.tensors, strict=True):
        assert list(after.shape) == list(before.shape)
        expected = (
            GGMLQuantizationType.Q8_0
            if before.tensor_type == GGMLQuantizationType.Q4_1
            else before.tensor_type
        )
        assert after.tensor_type == expected
    assert copy.fields["general.file_type"].contents() == FILE_TYPE_Q8_0
    for key in ("tokenizer.chat_template", "tokenizer.ggml.eos_token_id", "llama.block_count"):
        assert copy.fields[key].contents() == source.fields[key].contents()
    assert not list(q8_0_file.parent.glob("*.partial"))


def test_the_weights_survive_the_re_encoding(readers: tuple[GGUFReader, GGUFReader]) -> None:
    source, copy = readers
    for before, after in zip(source.tensors[:12], copy.tensors[:12], strict=True):
        if before.tensor_type != GGMLQuantizationType.Q4_1:
            continue
        original = dequantize(before.data, before.tensor_type)
        re_encoded = dequantize(after.data, after.tensor_type)
        # Q8_0 rounds each value to 1/254 of its block's range; Q4_1 itself to 1/15.
        assert np.abs(re_encoded - original).max() <= np.abs(original).max() / 100


async def test_the_re_encoded_model_loads_and_answers(q8_0_file: Path) -> None:
    generator = LlamaCppGenerator(q8_0_file, context_tokens=256)
    try:
        generation = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=8, deadline_s=30.0))
    finally:
        generator.close()
    assert generation.text and generation.new_tokens == 8


def test_a_file_that_is_not_gguf_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"definitely not gguf" * 10)
    with pytest.raises(ModelUnavailable, match="cannot read GGUF"):
        requantize_q4_1_to_q8_0(broken, tmp_path / "out.gguf")
