"""Generator settings: defaults, environment variables, per-backend requirements, the secret key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from actions.generation.base import ChatMessage
from actions.generation.config import GeneratorSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("CS_GENERATOR_"):
            monkeypatch.delenv(name)


def test_defaults_are_the_embedded_model_with_a_four_second_deadline() -> None:
    settings = GeneratorSettings()
    assert settings.backend == "embedded"
    assert settings.embedded_engine == "llama_cpp"
    assert settings.deadline_s == 4.0
    assert settings.max_new_tokens == 60
    assert settings.threads == 1
    assert settings.device == "auto"


def test_read_from_cs_generator_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CS_GENERATOR_BACKEND", "openai")
    monkeypatch.setenv("CS_GENERATOR_BASE_URL", "http://10.0.0.5:8000/v1")
    monkeypatch.setenv("CS_GENERATOR_MODEL", "qwen2.5-7b-instruct")
    monkeypatch.setenv("CS_GENERATOR_API_KEY", "sk-secret")
    monkeypatch.setenv("CS_GENERATOR_DEADLINE_S", "2.5")
    settings = GeneratorSettings()
    assert (settings.backend, settings.base_url, settings.model) == (
        "openai", "http://10.0.0.5:8000/v1", "qwen2.5-7b-instruct"
    )  # fmt: skip
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "sk-secret"
    assert settings.deadline_s == 2.5


def test_the_api_key_never_shows_in_repr_or_str() -> None:
    settings = GeneratorSettings(backend="openai", base_url="http://h/v1", model="m", api_key="sk-secret")
    assert "sk-secret" not in repr(settings)
    assert "sk-secret" not in str(settings)
    assert "sk-secret" not in settings.model_dump_json()


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"backend": "openai", "model": "m"}, "base_url (CS_GENERATOR_BASE_URL)"),
        ({"backend": "openai", "base_url": "http://h/v1"}, "model (CS_GENERATOR_MODEL)"),
        ({"backend": "transformers"}, "model_path (CS_GENERATOR_MODEL_PATH)"),
        ({"backend": "gpt"}, "backend"),
        ({"deadline_s": 0}, "deadline_s"),
        ({"max_new_tokens": 0}, "max_new_tokens"),
        ({"device": "tpu"}, "device"),
        ({"backend": "openai", "base_url": "localhost:8000", "model": "m"}, "base_url"),
        ({"embedded_engine": "onnx"}, "embedded_engine"),
    ],
)
def test_invalid_settings_name_the_field(values: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        GeneratorSettings(**values)
    assert named in str(caught.value)


def test_a_backend_ignores_the_other_backends_fields() -> None:
    settings = GeneratorSettings(backend="transformers", model_path=Path("/models/store-7b"), device="cuda:1")
    assert settings.base_url is None and settings.device == "cuda:1"


def test_request_carries_the_configured_budget_and_deadline() -> None:
    settings = GeneratorSettings(deadline_s=3.0, max_new_tokens=48)
    messages = (ChatMessage("user", "hi"),)
    request = settings.request(messages)
    assert (request.messages, request.max_new_tokens, request.deadline_s, request.temperature) == (
        messages,
        48,
        3.0,
        0.0,
    )
