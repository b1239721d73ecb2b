"""The OpenAI-compatible backend against a real local chat-completions server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import SecretStr

from actions.generation.base import ChatMessage, GenerationFailed, GenerationRequest, GenerationTimedOut
from actions.generation.openai_compatible import OpenAICompatibleGenerator
from tests.unit.generation.chat_server import ChatServer, RunningServer, Script, completion

KEY = "sk-test-0123456789"
MESSAGES = (ChatMessage("system", "Answer from the passages."), ChatMessage("user", "Can I return shoes?"))


@pytest.fixture(scope="module")
def running() -> Iterator[RunningServer]:
    server = RunningServer()
    yield server
    server.stop()


@pytest.fixture
def server(running: RunningServer) -> ChatServer:
    running.state.script = Script()
    running.state.received.clear()
    return running.state


@pytest.fixture
async def generator(server: ChatServer) -> AsyncIterator[OpenAICompatibleGenerator]:
    async with OpenAICompatibleGenerator(server.base_url, "store-model-7b", SecretStr(KEY)) as generator:
        yield generator


async def test_reply_and_the_request_the_server_received(
    server: ChatServer, generator: OpenAICompatibleGenerator
) -> None:
    server.script = Script(body=completion("  Yes, within 30 days.  ", "store-model-7b", completion_tokens=6))
    generation = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=42, temperature=0.0))

    assert generation.text == "Yes, within 30 days."
    assert generation.backend == "openai-compatible"
    assert generation.new_tokens == 6
    assert 0 < generation.seconds < 4
    [received] = server.received
    assert received.headers["authorization"] == f"Bearer {KEY}"
    assert received.headers["content-type"] == "application/json"
    assert received.body == {
        "model": "store-model-7b",
        "messages": [
            {"role": "system", "content": "Answer from the passages."},
            {"role": "user", "content": "Can I return shoes?"},
        ],
        "max_tokens": 42,
        "temperature": 0.0,
        "stream": False,
    }


async def test_without_a_key_no_authorization_header_is_sent(server: ChatServer) -> None:
    async with OpenAICompatibleGenerator(
        server.base_url + "/", "llama"
    ) as generator:  # trailing slash is fine
        generation = await generator.generate(GenerationRequest(MESSAGES))
    assert generation.text == "You asked: Can I return shoes?"
    assert "authorization" not in server.received[0].headers


async def test_server_error_names_status_and_message(
    server: ChatServer, generator: OpenAICompatibleGenerator
) -> None:
    server.script = Script(
        status=500, body={"error": {"message": "CUDA out of memory", "type": "server_error"}}
    )
    with pytest.raises(GenerationFailed, match="HTTP 500: CUDA out of memory") as caught:
        await generator.generate(GenerationRequest(MESSAGES))
    assert not isinstance(caught.value, GenerationTimedOut)


async def test_unauthorised_is_a_failure_that_does_not_leak_the_key(
    server: ChatServer, generator: OpenAICompatibleGenerator
) -> None:
    server.script = Script(
        status=401, body={"error": {"message": "Invalid API key", "code": "invalid_api_key"}}
    )
    with pytest.raises(GenerationFailed, match="HTTP 401: Invalid API key") as caught:
        await generator.generate(GenerationRequest(MESSAGES))
    assert KEY not in str(caught.value)


async def test_error_body_that_is_not_json_is_quoted(
    server: ChatServer, generator: OpenAICompatibleGenerator
) -> None:
    server.script = Script(status=502, body="Bad Gateway", content_type="text/plain")
    with pytest.raises(GenerationFailed, match="HTTP 502: Bad Gateway"):
        await generator.generate(GenerationRequest(MESSAGES))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("<html>this is not json</html>", "not JSON"),
        ({"object": "chat.completion", "choices": []}, "no choices"),
        ({"choices": [{"index": 0, "message": {"role": "assistant"}}]}, "no message content"),
        ([1, 2, 3], "no choices"),
    ],
)
async def test_malformed_completion_is_a_failure(
    server: ChatServer, generator: OpenAICompatibleGenerator, body: object, reason: str
) -> None:
    server.script = Script(body=body)
    with pytest.raises(GenerationFailed, match=reason):
        await generator.generate(GenerationRequest(MESSAGES))


async def test_slow_server_trips_the_deadline(
    server: ChatServer, generator: OpenAICompatibleGenerator
) -> None:
    server.script = Script(delay_s=3.0)
    started = time.monotonic()
    with pytest.raises(GenerationTimedOut):
        await generator.generate(GenerationRequest(MESSAGES, deadline_s=0.3))
    assert time.monotonic() - started < 1.0
    assert len(server.received) == 1  # the request did reach the server


async def test_generator_is_usable_after_a_timeout(
    server: ChatServer, generator: OpenAICompatibleGenerator
) -> None:
    server.script = Script(delay_s=1.0)
    with pytest.raises(GenerationTimedOut):
        await generator.generate(GenerationRequest(MESSAGES, deadline_s=0.2))
    server.script = Script()
    assert (await generator.generate(GenerationRequest(MESSAGES))).text.startswith("You asked")


async def test_nothing_listening_is_a_failure_not_a_timeout() -> None:
    async with OpenAICompatibleGenerator("http://127.0.0.1:9/v1", "m") as generator:
        with pytest.raises(GenerationFailed, match="ConnectError") as caught:
            await generator.generate(GenerationRequest(MESSAGES, deadline_s=2.0))
    assert not isinstance(caught.value, GenerationTimedOut)
