"""Recommendation latency on the demo store, with and without embedding the customer's text.

    python -m benchmarks.recommendations [--requests 400] [--redis-url redis://127.0.0.1:6379/11] [--seed 7]

The demo store is generated, loaded and indexed under the prefix ``bench`` in a
scratch Redis database (default 11); the offline build (segmentation, best
sellers, bought-together) is timed. Requests alternate between signed-in demo
customers (profile read, recent orders read) and anonymous visitors, over
shopping phrases and silent turns. "Vector given" passes the text's embedding
(as when retrieval already encoded the message); "text embedded" includes the
MiniLM call (one thread, as in the action server). Keys under ``bench:`` are
deleted before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import date

import numpy as np
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.keys import Keys
from actions.knowledge.embedding import SentenceEncoder
from actions.recommendations.recommender import Recommender
from actions.segments.store_snapshot import StoreRecords
from jobs.intelligence import build_customer_intelligence
from seed.generate import generate
from seed.knowledge import index_knowledge
from seed.redis_loader import load_store

PREFIX = "bench"
TEXTS = [
    "wireless earbuds for running",
    "something for my garden",
    "a cheap yoga mat",
    "any deals on kitchen stuff?",
    "I need new hiking boots",
    "gift ideas for a dog owner",
    "a good book for the holidays",
    "face serum for dry skin",
    "toys for a 6 year old",
    "a warm jacket for the rain",
    "noise cancelling headphones under $200",
    "what goes well with a cast iron skillet",
    "hi",
    "",
]


def _clear(redis: Redis, keys: Keys) -> None:
    batch = []
    for key in redis.scan_iter(match=f"{keys.prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            redis.delete(*batch)
            batch = []
    if batch:
        redis.delete(*batch)


def _cuts(times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100)
    return (f"p50 {cuts[49] * 1000:.2f} ms, p95 {cuts[94] * 1000:.2f} ms, p99 {cuts[98] * 1000:.2f} ms, "
            f"max {max(times) * 1000:.2f} ms")  # fmt: skip


async def _measure(
    recommender: Recommender, requests: list[tuple[str | None, str]], vectors: dict[str, np.ndarray] | None
) -> tuple[list[float], float]:
    times = []
    returned = 0
    for customer_id, text in requests:
        started = time.perf_counter()
        results = await recommender.recommend(
            customer_id, text, query_vector=vectors.get(text) if vectors is not None and text else None
        )
        times.append(time.perf_counter() - started)
        returned += len(results)
    return times, returned / len(requests)


async def _run(args: argparse.Namespace, keys: Keys, customers: list[str]) -> None:
    import torch

    torch.set_num_threads(1)  # the action server's setting
    encoder = SentenceEncoder(threads=1)
    rng = random.Random(args.seed)
    requests = [
        (rng.choice(customers) if n % 2 == 0 else None, TEXTS[n % len(TEXTS)]) for n in range(args.requests)
    ]
    vectors = {text: encoder.encode([text])[0] for text in TEXTS if text}
    client = AsyncRedis.from_url(args.redis_url)
    try:
        recommender = Recommender(client, keys, encoder)
        started = time.perf_counter()
        await recommender.recommend(None, "warm-up: earbuds")
        cold_ms = (time.perf_counter() - started) * 1000
        print(f"first request (loads the snapshot, encodes the text): {cold_ms:.0f} ms")
        given, per_request = await _measure(recommender, requests, vectors)
        print(f"vector given   ({len(given)} requests): {_cuts(given)}; {per_request:.1f} products per list")
        embedded, _ = await _measure(recommender, requests, None)
        print(f"text embedded  ({len(embedded)} requests): {_cuts(embedded)}")
        signed_in = [t for t, (cid, _) in zip(given, requests, strict=True) if cid]
        anonymous = [t for t, (cid, _) in zip(given, requests, strict=True) if not cid]
        print(f"  vector given, signed-in customers: {_cuts(signed_in)}")
        print(f"  vector given, anonymous visitors:  {_cuts(anonymous)}")
    finally:
        await client.aclose()


def main() -> None:
    """Seed the scratch database, build the offline tables, time the requests, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"settings: {args.requests} requests per mode, Redis {args.redis_url} (prefix {PREFIX}), "
          f"demo store seed {args.seed}, torch threads 1")  # fmt: skip

    keys = Keys(PREFIX)
    redis = Redis.from_url(args.redis_url)
    _clear(redis, keys)
    try:
        store = generate(args.seed, date.today())
        load_store(redis, keys, store, source="benchmark")
        index = index_knowledge(redis, keys, store)
        print(f"store loaded; knowledge index: {index.passages} passages in {index.seconds:.1f} s")
        records = StoreRecords(store.customers, store.orders, store.products)
        report = build_customer_intelligence(redis, keys, records)
        for line in report.lines():
            print(line)
        asyncio.run(_run(args, keys, [c.id for c in store.customers]))
    finally:
        _clear(redis, keys)
        redis.close()


if __name__ == "__main__":
    main()
