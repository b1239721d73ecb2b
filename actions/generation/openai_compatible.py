"""A generator backed by any OpenAI-compatible chat-completions server (vLLM, llama.cpp server, Ollama...)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx
from pydantic import SecretStr

from actions.generation.base import Generation, GenerationFailed, GenerationRequest, GenerationTimedOut

logger = logging.getLogger(__name__)

# How much of a server's error body goes into our error message.
ERROR_EXCERPT_CHARS = 300


class OpenAICompatibleGenerator:
    """POSTs ``{base_url}/chat/completions`` with ``stream: false``; one connection pool per instance.

    Close it with ``await generator.aclose()`` (or use it as an async context manager).
    """

    name = "openai-compatible"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Configure the client; no connection is opened until the first call.

        Args:
            base_url: the API root, e.g. ``http://127.0.0.1:8000/v1``.
            model: the model name the server knows.
            api_key: sent as ``Authorization: Bearer``; never logged.
            transport: an httpx transport for tests.

        """
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Accept": "application/json"}
            if self._api_key is not None:
                headers["Authorization"] = f"Bearer {self._api_key.get_secret_value()}"
            # Per-request timeouts are set from each call's deadline; this default only guards misuse.
            self._client = httpx.AsyncClient(headers=headers, transport=self._transport, timeout=10.0)
        return self._client

    async def generate(self, request: GenerationRequest) -> Generation:
        """Ask the server for one reply within ``request.deadline_s``.

        Raises:
            GenerationTimedOut: no complete response before the deadline (connect, send and read together).
            GenerationFailed: a transport error, a non-2xx status, a body that is not a chat completion.

        """
        body = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
            "stream": False,
        }
        started = time.perf_counter()
        # httpx timeouts apply per operation (each read...); asyncio.timeout bounds the whole call.
        try:
            async with asyncio.timeout(request.deadline_s):
                response = await self._http().post(self.url, json=body, timeout=request.deadline_s)
        except (TimeoutError, httpx.TimeoutException) as error:
            raise GenerationTimedOut(f"{self.url}: no response within {request.deadline_s:.2f} s") from error
        except httpx.HTTPError as error:
            raise GenerationFailed(f"{self.url}: {type(error).__name__}: {error}") from error
        seconds = time.perf_counter() - started
        if not response.is_success:
            raise GenerationFailed(f"{self.url}: HTTP {response.status_code}: {_error_message(response)}")
        text, new_tokens, prompt_tokens = _parse_completion(self.url, response)
        return Generation(
            text=text, backend=self.name, new_tokens=new_tokens, seconds=seconds, prompt_tokens=prompt_tokens
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> OpenAICompatibleGenerator:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _error_message(response: httpx.Response) -> str:
    """Pick the server's error message (OpenAI ``{"error": {"message": ...}}``), else the body's start."""
    try:
        payload = response.json()
    except ValueError:
        return response.text[:ERROR_EXCERPT_CHARS] or "(empty body)"
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:ERROR_EXCERPT_CHARS]
    return json.dumps(payload)[:ERROR_EXCERPT_CHARS]


def _parse_completion(url: str, response: httpx.Response) -> tuple[str, int | None, int | None]:
    """Reply text, completion-token and prompt-token counts from a chat-completion body."""
    try:
        payload: Any = response.json()
    except ValueError as error:
        raise GenerationFailed(f"{url}: response is not JSON: {response.text[:80]!r}") from error
    choices = payload.get("choices") if isinstance(payload, dict) else None
    if not isinstance(choices, list) or not choices:
        raise GenerationFailed(f"{url}: response has no choices")
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise GenerationFailed(f"{url}: first choice has no message content")
    usage = payload.get("usage")
    tokens = usage.get("completion_tokens") if isinstance(usage, dict) else None
    prompt = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    return (
        content.strip(),
        tokens if isinstance(tokens, int) else None,
        prompt if isinstance(prompt, int) else None,
    )
