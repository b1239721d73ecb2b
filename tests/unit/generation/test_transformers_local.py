"""The transformers backend on a tiny random Llama built by the test (2 layers, word-level tokenizer)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.errors import ModelUnavailable
from actions.generation.base import ChatMessage, GenerationRequest, GenerationTimedOut
from actions.generation.config import GeneratorSettings
from actions.generation.factory import build_generator
from actions.generation.transformers_local import TransformersGenerator, _SentencesCriteria, resolve_device

CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
WORDS = (
    "system user assistant you are the store's helper can i return my shoes within 30 days refund "
    "order where is parcel delivery free yes no please thanks a an of to in for on with at by ."
).split()
SLOW_OK = 30.0  # these tests check replies, not speed, and must pass on a busy CI machine
MESSAGES = (ChatMessage("system", "you are the store's helper"), ChatMessage("user", "can i return my shoes"))


def build_tiny_model(directory: Path) -> None:
    """A random 2-layer Llama whose greedy decoding never picks the end token (so only limits stop it)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["[UNK]", "<|im_start|>", "<|im_end|>"]
    vocab = {token: index for index, token in enumerate(specials + WORDS + [f"w{n}" for n in range(200)])}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="[UNK]", eos_token="<|im_end|>", pad_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"],
    )  # fmt: skip
    tokenizer.chat_template = CHATML
    tokenizer.save_pretrained(directory)
    config = LlamaConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=8192, tie_word_embeddings=False,
        eos_token_id=vocab["<|im_end|>"], pad_token_id=vocab["<|im_end|>"], bos_token_id=None,
    )  # fmt: skip
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        model.lm_head.weight[vocab["<|im_end|>"]] = 0.0  # its logit is 0 while some word's is always above
    model.save_pretrained(directory)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("tiny-llama")
    build_tiny_model(directory)
    return directory


@pytest.fixture(scope="module")
def generator(model_dir: Path) -> Iterator[TransformersGenerator]:
    built = build_generator(GeneratorSettings(backend="transformers", model_path=model_dir, device="cpu"))
    assert isinstance(built, TransformersGenerator)
    yield built
    built.close()


async def test_generates_exactly_max_new_tokens(generator: TransformersGenerator) -> None:
    generation = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=12, deadline_s=SLOW_OK))
    assert generation.backend == "transformers"
    assert generation.new_tokens == 12
    assert generation.text and "<|im_" not in generation.text
    assert generation.seconds > 0


async def test_greedy_by_default(generator: TransformersGenerator) -> None:
    first = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=8, deadline_s=SLOW_OK))
    second = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=8, deadline_s=SLOW_OK))
    assert first.text == second.text


async def test_sampling_with_a_temperature(generator: TransformersGenerator) -> None:
    request = GenerationRequest(MESSAGES, max_new_tokens=5, temperature=1.0, deadline_s=SLOW_OK)
    generation = await generator.generate(request)
    assert generation.new_tokens == 5


async def test_deadline_stops_generation(generator: TransformersGenerator) -> None:
    started = time.monotonic()
    with pytest.raises(GenerationTimedOut, match="stopped at the deadline|no reply within"):
        await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=6000, deadline_s=0.3))
    assert time.monotonic() - started < 0.5
    await asyncio.sleep(0.1)
    cpu = time.process_time()
    await asyncio.sleep(0.4)
    assert time.process_time() - cpu < 0.15, "generate() kept running after the deadline"
    after = await generator.generate(GenerationRequest(MESSAGES, max_new_tokens=3, deadline_s=SLOW_OK))
    assert after.new_tokens == 3


async def test_concurrent_calls_are_serialised(generator: TransformersGenerator) -> None:
    generations = await asyncio.gather(
        *(
            generator.generate(GenerationRequest(MESSAGES, max_new_tokens=6, deadline_s=SLOW_OK))
            for _ in range(3)
        )
    )
    assert [g.new_tokens for g in generations] == [6, 6, 6]


def test_a_directory_without_a_model_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelUnavailable, match="cannot load"):
        TransformersGenerator(tmp_path, device="cpu")


def test_auto_device_is_the_cpu_without_a_gpu() -> None:
    import torch

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cuda:1") == "cuda:1"


def test_generation_stops_once_the_reply_holds_the_sentences_asked_for(model_dir: Path) -> None:
    import torch
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompt = tokenizer("you are the store's helper .")["input_ids"]
    criteria = _SentencesCriteria(tokenizer, len(prompt), wanted=1)
    reply_so_far = [
        tokenizer(text)["input_ids"] for text in ("yes you can", "yes you can . no", "yes you can .")
    ]
    done = [bool(criteria(torch.tensor([prompt + ids]), None)[0]) for ids in reply_so_far]
    assert done == [False, True, False]  # a sentence counts once the next word has begun
    assert not bool(
        _SentencesCriteria(tokenizer, len(prompt), None)(torch.tensor([prompt + reply_so_far[1]]), None)[0]
    )
