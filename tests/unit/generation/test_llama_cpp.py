"""The embedded llama.cpp backend with the real SmolLM2-135M-Instruct GGUF (loads in about a second)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import psutil
import pytest

from actions.generation.base import (
    ChatMessage,
    GenerationFailed,
    GenerationRequest,
    GenerationTimedOut,
    has_enough_sentences,
)
from actions.generation.config import GeneratorSettings
from actions.generation.factory import build_generator, embedded_model_file
from actions.generation.llama_cpp import LlamaCppGenerator

MESSAGES = (
    ChatMessage("system", "You are the customer-service assistant of a web shop. Answer in one sentence."),
    ChatMessage("user", "Passages:\n[1] Returns: unworn items can be returned within 30 days.\n\n"
                        'The customer asks: "How long do I have to return shoes?"'),
)  # fmt: skip
# Generous: these tests check replies, not speed, and must pass on a busy CI machine.
SLOW_OK = 30.0
# Asks for far more text than the deadline allows.
ESSAY = (ChatMessage("user", "Write a very long, detailed essay on the history of shoes, in twenty parts."),)


@pytest.fixture(scope="module")
def generator() -> Iterator[LlamaCppGenerator]:
    built = build_generator(GeneratorSettings(threads=1, context_tokens=512))
    assert isinstance(built, LlamaCppGenerator)
    yield built
    built.close()


async def test_reply_respects_the_token_budget(generator: LlamaCppGenerator) -> None:
    generation = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=8, deadline_s=SLOW_OK))
    assert generation.backend == "embedded-llama.cpp"
    assert generation.text and "<|" not in generation.text and not generation.text.startswith("assistant")
    assert generation.new_tokens == 8  # the answer is longer than 8 tokens: the budget ends it
    assert generation.seconds > 0


async def test_generation_stops_at_the_sentences_asked_for(generator: LlamaCppGenerator) -> None:
    whole = await generator.generate(GenerationRequest(ESSAY, max_new_tokens=120, deadline_s=SLOW_OK))
    assert whole.new_tokens == 120
    short = await generator.generate(
        GenerationRequest(ESSAY, max_new_tokens=120, deadline_s=SLOW_OK, max_sentences=1)
    )
    assert (short.new_tokens or 0) < 120
    assert whole.text.startswith(
        short.text.rsplit(" ", 1)[0]
    )  # the same reply, stopped after its first sentence
    assert has_enough_sentences(short.text, 1) and not has_enough_sentences(short.text, 2)


async def test_greedy_by_default_so_replies_repeat(generator: LlamaCppGenerator) -> None:
    first = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=6, deadline_s=SLOW_OK))
    second = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=6, deadline_s=SLOW_OK))
    assert first.text == second.text


async def test_sampling_with_a_temperature_works(generator: LlamaCppGenerator) -> None:
    request = GenerationRequest(MESSAGES, max_new_tokens=6, temperature=0.8, deadline_s=SLOW_OK)
    generation = await generator.generate(request)
    assert generation.text and 1 <= (generation.new_tokens or 0) <= 6


async def test_deadline_stops_generation_and_frees_the_cpu(generator: LlamaCppGenerator) -> None:
    started = time.monotonic()
    with pytest.raises(GenerationTimedOut):
        await generator.generate(GenerationRequest(ESSAY, max_new_tokens=1000, deadline_s=0.4))
    assert time.monotonic() - started < 0.6
    await asyncio.sleep(0.1)  # the model thread notices at its next token
    cpu = time.process_time()
    await asyncio.sleep(0.5)
    assert time.process_time() - cpu < 0.15, "llama.cpp kept generating after the deadline"
    # and the model is free for the next caller
    after = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=3, deadline_s=SLOW_OK))
    assert after.new_tokens == 3


async def test_concurrent_calls_are_served_one_after_another(generator: LlamaCppGenerator) -> None:
    requests = [GenerationRequest(MESSAGES, max_new_tokens=4, deadline_s=SLOW_OK) for _ in range(3)]
    generations = await asyncio.gather(*(generator.generate(r) for r in requests))
    assert [g.new_tokens for g in generations] == [4, 4, 4]
    assert len({g.text for g in generations}) == 1
    # each later caller waited for the earlier ones, and its time includes that wait
    assert sorted(g.seconds for g in generations)[-1] > sorted(g.seconds for g in generations)[0]


async def test_prompt_longer_than_the_context_is_a_clear_failure(generator: LlamaCppGenerator) -> None:
    long = (ChatMessage("user", "Tell me about returns. " * 200),)
    with pytest.raises(GenerationFailed, match="context size") as caught:
        await generator.generate(GenerationRequest(long, max_new_tokens=4, deadline_s=SLOW_OK))
    assert not isinstance(caught.value, GenerationTimedOut)


def test_nothing_listens_on_a_tcp_port(generator: LlamaCppGenerator) -> None:
    # llama.cpp's embedded HTTP server is bound to a Unix socket in a private directory instead.
    listening = [c for c in psutil.Process().net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening == []


def test_the_packaged_model_file_is_what_the_generator_loaded(generator: LlamaCppGenerator) -> None:
    assert generator.model_file == embedded_model_file(GeneratorSettings())


async def test_memory_does_not_grow_with_each_new_prompt(generator: LlamaCppGenerator) -> None:
    # llama.cpp's host-RAM prompt cache is off: otherwise every distinct prompt would stay in memory.
    def prompt(n: int) -> tuple[ChatMessage, ...]:
        return (ChatMessage("user", f"Order {n}: " + " ".join(f"item{n}-{i}" for i in range(25))),)

    await generator.generate(GenerationRequest(prompt(0), max_new_tokens=1, deadline_s=SLOW_OK))
    before = psutil.Process().memory_info().rss
    for n in range(1, 4):  # each would keep ~3 MB of KV cache
        await generator.generate(GenerationRequest(prompt(n), max_new_tokens=1, deadline_s=SLOW_OK))
    assert psutil.Process().memory_info().rss - before < 4 * 2**20


def test_close_stops_the_server_and_removes_its_socket_directory() -> None:
    generator = LlamaCppGenerator(embedded_model_file(GeneratorSettings()), context_tokens=256)
    socket_dir = generator._socket_dir
    assert (socket_dir / "llama.sock").exists()
    generator.close()
    assert not socket_dir.exists()
