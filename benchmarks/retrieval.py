"""Retrieval over 10,000 passages: index build, incremental re-index, and per-question latency.

    python -m benchmarks.retrieval [--passages 10000] [--questions 300] [--redis-url redis://127.0.0.1:6379/12]

The demo store's help centre and catalogue are padded with catalogue variants
(each a real product passage with another colour, size and price) up to the
requested count, embedded with the real encoder, and stored in a scratch Redis
database under the prefix ``bench``. Latency covers what a customer's question
costs: encoding the question, the similarity over every vector, the lexical
boost and ranking (one thread, as in the action server).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import time
from datetime import date
from pathlib import Path

import yaml
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from actions.knowledge.embedding import SentenceEncoder
from actions.knowledge.indexing import index_passages
from actions.knowledge.passages import Passage, product_passage, store_passages
from actions.knowledge.retrieval import Retriever
from seed.generate import generate

QUESTIONS = Path(__file__).resolve().parent.parent / "answer_eval" / "questions.yml"
EXTRA_WORDS = [
    "Limited",
    "Edition",
    "Studio",
    "Travel",
    "Eco",
    "Urban",
    "Outdoor",
    "Compact",
    "Deluxe",
    "Essential",
]


def padded_passages(count: int, seed: int = 7) -> list[Passage]:
    """The demo store's passages plus product variants up to ``count``."""
    store = generate(seed, date.today())
    passages = store_passages(store.articles, store.products, store.policy)
    rng = random.Random(seed)
    number = 0
    while len(passages) < count:
        number += 1
        base = rng.choice(store.products)
        variant = base.model_copy(
            update={
                "id": f"V{number:05d}",
                "name": f"{base.name} {rng.choice(EXTRA_WORDS)} {number}",
                "price": round(base.price * rng.uniform(0.7, 1.4), 2),
                "stock": rng.choice([0, rng.randint(1, 200)]),
            }
        )
        passages.append(product_passage(variant, store.policy.currency))
    return passages[:count]


def _questions(limit: int) -> list[str]:
    if QUESTIONS.exists():
        data = yaml.safe_load(QUESTIONS.read_text())
        texts = [q["question"] for group in ("answerable", "unanswerable") for q in data.get(group, [])]
    else:
        texts = [
            "how long do I have to return something?",
            "do you ship to Canada?",
            "is the webcam in stock?",
        ]
    return [texts[i % len(texts)] for i in range(limit)]


async def _latencies(retriever: Retriever, questions: list[str]) -> list[float]:
    await retriever.retrieve("warm-up question about returns")
    times = []
    for question in questions:
        started = time.perf_counter()
        await retriever.retrieve(question)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    """Build the index, time a re-index and the questions, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args()

    keys = Keys("bench")
    redis = Redis.from_url(args.redis_url)
    for key in (keys.knowledge_passages, keys.knowledge_vectors, keys.knowledge_hashes, keys.knowledge_meta):
        redis.delete(key)
    encoder = SentenceEncoder(threads=2)
    passages = padded_passages(args.passages)
    first = index_passages(redis, keys, passages, encoder)
    print(f"index build: {first.passages} passages embedded in {first.seconds:.1f} s "
          f"({first.passages / first.seconds:.0f} passages/s, 2 threads)")  # fmt: skip
    changed = passages[:]
    changed[0] = changed[0].model_copy(update={"text": changed[0].text + " Updated."})
    second = index_passages(redis, keys, changed, encoder)
    print(
        f"re-index after 1 changed passage: {second.embedded} embedded, {second.reused} reused, "
        f"{second.seconds:.2f} s"
    )

    import torch

    torch.set_num_threads(1)  # the action server's setting
    client = AsyncRedis.from_url(args.redis_url)
    retriever = Retriever(client, keys, encoder, min_score=0.5)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = asyncio.run(_latencies(retriever, _questions(args.questions)))
    cuts = statistics.quantiles(times, n=100)
    print(
        f"retrieval over {second.passages} passages, {len(times)} questions: "
        f"p50 {cuts[49] * 1000:.1f} ms, p95 {cuts[94] * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
    )
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(before queries {rss_before / 1024:.0f} MB)")  # fmt: skip
    for key in (keys.knowledge_passages, keys.knowledge_vectors, keys.knowledge_hashes, keys.knowledge_meta):
        redis.delete(key)


if __name__ == "__main__":
    main()
