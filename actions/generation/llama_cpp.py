"""The embedded generator on llama.cpp (xllamacpp): a GGUF model served inside this process.

xllamacpp embeds llama.cpp's own server. Its Python ``handle_chat_completions``
call applies the model's chat template (from the GGUF), runs the request on the
server's decode loop and, when streaming, calls back once per token, releasing
the GIL meanwhile. Returning ``True`` from that callback ends the request, and the
server cancels its task: that is how the deadline stops generation between two
tokens. Prompt processing is one batch llama.cpp does not interrupt (about 2 s for
400 tokens on one core); a deadline that passes during it still answers the caller
on time (``ModelThread``), and the work stops at the first token.

The server also listens for HTTP. It is bound to a Unix socket in a private
directory, with a random API key, so nothing is exposed on a TCP port.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

from actions.errors import ModelUnavailable
from actions.generation.base import (
    Generation,
    GenerationFailed,
    GenerationRequest,
    GenerationTimedOut,
    has_enough_sentences,
)
from actions.generation.in_process import Deadline, ModelThread, clean_reply

logger = logging.getLogger(__name__)

# llama.cpp's log threshold: 1 prints errors only (its per-request timings go to stderr otherwise).
LLAMA_LOG_ERRORS_ONLY = 1


class LlamaCppGenerator:
    """A GGUF chat model run by llama.cpp in this process; build once per process."""

    name = "embedded-llama.cpp"

    def __init__(
        self,
        model_file: Path,
        *,
        threads: int = 1,
        context_tokens: int = 2048,
        quiet_s: float | None = None,
    ) -> None:
        """Load the model (about a second for SmolLM2-135M).

        Args:
            model_file: the GGUF file; its chat template is used.
            threads: CPU threads for prompt processing and decoding.
            context_tokens: context window, prompt and reply together.
            quiet_s: see ``ModelThread``; None generates whatever the load.

        Raises:
            ModelUnavailable: the file is missing or llama.cpp cannot load it.

        """
        if not model_file.is_file():
            raise ModelUnavailable(f"no GGUF model at {model_file}")
        import xllamacpp  # imported here: only processes that generate load llama.cpp

        self.model_file = model_file
        self._socket_dir = Path(tempfile.mkdtemp(prefix="cs-llama-"))
        weakref.finalize(self, shutil.rmtree, self._socket_dir, True)  # also when close() is never called
        params = xllamacpp.CommonParams()
        params.model.path = str(model_file)
        params.n_ctx = context_tokens
        params.n_parallel = 1  # one request at a time: ModelThread serialises calls anyway
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        # The slot keeps its last prompt for prefix reuse (the system prompt); llama.cpp's extra
        # host-RAM prompt cache (8 GiB by default) would grow by ~11 MB per distinct prompt.
        params.cache_ram_mib = 0
        params.sampling.temp = 0.0
        params.sampling.top_k = 1
        params.hostnames = [str(self._socket_dir / "llama.sock")]
        params.api_keys = [secrets.token_urlsafe(32)]  # nobody calls the socket; a key keeps it that way
        params.verbosity = LLAMA_LOG_ERRORS_ONLY
        try:
            self._server: Any = xllamacpp.Server(params)
        except (RuntimeError, ValueError) as error:
            raise ModelUnavailable(f"llama.cpp cannot load {model_file}: {error}") from error
        # One token through the chat template: checks the template works, and makes sure the server's
        # decode loop is running (destroying the server before it starts waiting can hang forever).
        warm_up = self._server.handle_chat_completions(
            {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}
        )
        if "choices" not in warm_up:
            raise ModelUnavailable(f"llama.cpp cannot chat with {model_file}: {str(warm_up)[:300]}")
        self._thread = ModelThread("llama-cpp", quiet_s)
        logger.info("embedded model loaded from %s (llama.cpp, %d threads)", model_file.name, threads)

    async def generate(self, request: GenerationRequest) -> Generation:
        """Generate a reply within ``request.deadline_s``.

        Raises:
            GenerationTimedOut: the deadline passed (queueing included); generation was stopped.
            GenerationFailed: llama.cpp reported an error.

        """
        deadline = Deadline(request.deadline_s)
        return await self._thread.run(lambda d: self._generate(request, d), deadline, request.wait_if_busy)

    def _generate(self, request: GenerationRequest, deadline: Deadline) -> Generation:
        body: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "max_tokens": request.max_new_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
            "cache_prompt": True,
        }
        if request.temperature > 0:
            body |= {"temperature": request.temperature, "top_k": 40, "top_p": 0.95}
        else:
            body |= {"temperature": 0.0, "top_k": 1}  # greedy: the same prompt gives the same reply
        pieces: list[str] = []
        chunks = 0
        finished = False
        usage: dict[str, Any] = {}
        errors: list[Any] = []

        def on_chunk(chunk: dict[str, Any]) -> bool:
            nonlocal chunks, finished
            if "error" in chunk or ("code" in chunk and "choices" not in chunk):
                errors.append(chunk.get("error", chunk))  # e.g. the prompt does not fit the context
                return True
            for choice in chunk.get("choices") or ():
                content = (choice.get("delta") or {}).get("content")
                if content:
                    pieces.append(content)
                    chunks += 1
                finished = finished or choice.get("finish_reason") is not None
            if chunk.get("usage"):
                usage.update(chunk["usage"])
            if not finished and has_enough_sentences("".join(pieces), request.max_sentences):
                finished = True
                return True
            return deadline.expired()  # True ends the stream and cancels the server task

        try:
            self._server.handle_chat_completions(body, on_chunk)
        except (ValueError, RuntimeError) as error:  # a request llama.cpp rejects before generating
            raise GenerationFailed(f"llama.cpp rejected the request: {error}") from error
        if errors:
            raise GenerationFailed(f"llama.cpp error: {str(errors[0])[:300]}")
        if not finished:
            if deadline.expired():
                raise GenerationTimedOut(
                    f"stopped at the deadline after {chunks} tokens ({deadline.elapsed():.2f} s)"
                )
            raise GenerationFailed(f"llama.cpp ended the reply without a finish reason after {chunks} tokens")
        return Generation(
            text=clean_reply("".join(pieces)),
            backend=self.name,
            new_tokens=int(usage.get("completion_tokens", chunks)),
            seconds=deadline.elapsed(),
            prompt_tokens=int(usage["prompt_tokens"]) if "prompt_tokens" in usage else None,
        )

    def close(self) -> None:
        """Stop the model thread and the llama.cpp server, and remove its socket directory."""
        self._thread.close()
        self._server = None  # the last reference: its destructor stops llama.cpp's threads
        shutil.rmtree(self._socket_dir, ignore_errors=True)
