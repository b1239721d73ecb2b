"""A generator on a local Hugging Face causal-LM through transformers (a directory, or a GGUF file in it).

Used for a store's larger instruct model (on a GPU when there is one) and, with
``gguf_file``, to run the embedded SmolLM2 GGUF through torch for comparison with
llama.cpp. ``generate`` runs on the process's model thread; a stopping criterion
checks the deadline after every token, so generation stops there.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.errors import ModelUnavailable
from actions.generation.base import Generation, GenerationRequest, GenerationTimedOut, has_enough_sentences
from actions.generation.in_process import Deadline, ModelThread, clean_reply

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when torch sees a GPU, else ``cpu``; other values are kept."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class TransformersGenerator:
    """A chat model loaded with ``AutoModelForCausalLM``; build once per process."""

    def __init__(
        self,
        model_dir: Path,
        *,
        gguf_file: str | None = None,
        device: str = "auto",
        dtype: str | None = None,
        name: str = "transformers",
        quiet_s: float | None = None,
    ) -> None:
        """Load the tokenizer (with its chat template) and the model.

        Args:
            model_dir: a Hugging Face model directory (``config.json``, weights, tokenizer files),
                or the directory holding ``gguf_file``.
            gguf_file: a GGUF file name inside ``model_dir``; transformers dequantises it.
            device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
            dtype: ``float32``, ``bfloat16`` or ``float16``; default float32 on CPU, bfloat16 on GPU.
            name: the backend name reported in each ``Generation``.
            quiet_s: see ``ModelThread``; applied on the CPU only (a GPU does not take
                the cores other turns need).

        Raises:
            ModelUnavailable: the directory or file is missing, or transformers cannot load it.

        """
        marker = model_dir / (gguf_file or "config.json")
        if not marker.is_file():
            raise ModelUnavailable(f"no model at {marker}")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.name = name
        self.device = resolve_device(device)
        torch_dtype = getattr(torch, dtype or ("float32" if self.device == "cpu" else "bfloat16"))
        # Held as Any, as _eos_ids and _SentencesCriteria hold them: transformers' annotations
        # do not follow the arguments (decode gives ``str | list[str]``, apply_chat_template
        # a union whatever return_dict says, and the decorated ``to`` loses its ``self``).
        self._tokenizer: Any
        model: Any
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(model_dir, gguf_file=gguf_file)
            model = AutoModelForCausalLM.from_pretrained(model_dir, gguf_file=gguf_file, dtype=torch_dtype)
            self._model = model.to(self.device).eval()  # RuntimeError when the GPU is missing or full
        except (OSError, ValueError, RuntimeError, ImportError, KeyError) as error:
            raise ModelUnavailable(f"transformers cannot load {marker}: {error}") from error
        if not getattr(self._tokenizer, "chat_template", None):
            raise ModelUnavailable(
                f"the tokenizer at {model_dir} has no chat template; use an instruct model"
            )
        self._eos = _eos_ids(self._tokenizer, model)
        self._thread = ModelThread("transformers", quiet_s if self.device == "cpu" else None)
        logger.info("model loaded from %s on %s (%s)", marker, self.device, torch_dtype)

    async def generate(self, request: GenerationRequest) -> Generation:
        """Generate a reply within ``request.deadline_s``.

        Raises:
            GenerationTimedOut: the deadline passed (queueing included); generation was stopped.

        """
        deadline = Deadline(request.deadline_s)
        return await self._thread.run(lambda d: self._generate(request, d), deadline, request.wait_if_busy)

    def _generate(self, request: GenerationRequest, deadline: Deadline) -> Generation:
        import torch
        from transformers import StoppingCriteriaList

        inputs = self._tokenizer.apply_chat_template(
            [{"role": m.role, "content": m.content} for m in request.messages],
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        ).to(self.device)
        sampling: dict[str, Any] = (
            {"do_sample": True, "temperature": request.temperature, "top_p": 0.95, "top_k": 40}
            if request.temperature > 0
            else {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}  # greedy
        )
        sentences = _SentencesCriteria(self._tokenizer, inputs["input_ids"].shape[1], request.max_sentences)
        with torch.inference_mode():
            output = self._model.generate(
                **inputs,
                max_new_tokens=request.max_new_tokens,
                stopping_criteria=StoppingCriteriaList([_DeadlineCriteria(deadline), sentences]),
                eos_token_id=self._eos,
                pad_token_id=self._eos[0],
                **sampling,
            )
        new = output[0, inputs["input_ids"].shape[1] :]
        finished = (
            len(new) >= request.max_new_tokens
            or (len(new) > 0 and int(new[-1]) in self._eos)
            or has_enough_sentences(
                self._tokenizer.decode(new, skip_special_tokens=True), request.max_sentences
            )
        )
        if not finished and deadline.expired():
            raise GenerationTimedOut(
                f"stopped at the deadline after {len(new)} tokens ({deadline.elapsed():.2f} s)"
            )
        tokens = [int(t) for t in new if int(t) not in self._eos]
        text = self._tokenizer.decode(tokens, skip_special_tokens=True)
        return Generation(
            text=clean_reply(text),
            backend=self.name,
            new_tokens=len(tokens),
            seconds=deadline.elapsed(),
            prompt_tokens=int(inputs["input_ids"].shape[1]),
        )

    def close(self) -> None:
        """Stop the model thread (the running call stops at its deadline)."""
        self._thread.close()


class _DeadlineCriteria:
    """Stops ``generate`` after the token during which the deadline passed (a ``StoppingCriteria``)."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.Tensor:
        """One bool per sequence: whether the deadline has passed."""
        import torch

        return torch.full(
            (input_ids.shape[0],), self._deadline.expired(), dtype=torch.bool, device=input_ids.device
        )


class _SentencesCriteria:
    """Stops ``generate`` once the reply holds the sentences the caller asked for (a ``StoppingCriteria``)."""

    def __init__(self, tokenizer: Any, prompt_tokens: int, wanted: int | None) -> None:
        self._tokenizer = tokenizer
        self._prompt_tokens = prompt_tokens
        self._wanted = wanted

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        replies = [
            self._tokenizer.decode(row[self._prompt_tokens :], skip_special_tokens=True) for row in input_ids
        ]
        done = [has_enough_sentences(reply, self._wanted) for reply in replies]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _eos_ids(tokenizer: Any, model: Any) -> list[int]:
    """Every end-of-turn id: the generation config's, the tokenizer's, and ChatML's ``<|im_end|>``."""
    ids: list[int] = []
    configured = model.generation_config.eos_token_id
    ids += configured if isinstance(configured, list) else [configured] if configured is not None else []
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    for token in ("<|im_end|>", "<|eot_id|>", "<end_of_turn>"):
        token_id = tokenizer.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
            ids.append(token_id)
    if not ids:
        raise ModelUnavailable("the model defines no end-of-sequence token")
    return list(dict.fromkeys(ids))
