"""N concurrent simulated customers holding multi-turn conversations over REST.

python -m benchmarks.conversations [--customers 20] [--conversations 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import mkdtemp

import httpx
import psutil
from redis import Redis

from actions import redis_edge
from stack.assistant import Assistant, pids
from stack.config import StackSettings

BENCH_REDIS_URL = "redis://127.0.0.1:6379/13"

# (text, kind): kind "static" is answered by a response, "custom" runs a custom action.
Turn = tuple[str, str]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _scripts(orders: list[dict], products: list[dict], rng: random.Random) -> list[list[Turn]]:
    order = rng.choice(orders)
    product = rng.choice(products)
    return [
        [("hi", "static"), ("where is my order?", "custom"), (order["id"], "custom"),
         (order["email"], "custom"), ("thanks!", "static"), ("bye", "static")],
        [("hello", "static"), ("how much does express shipping cost?", "custom"),
         ("how long does a refund take?", "custom"), ("are you a bot?", "static"), ("thank you", "static")],
        [("good morning", "static"), (f"how much is the {product['name']}?", "custom"),
         ("do you sell yoga mats?", "custom"), ("my card was declined", "custom"), ("goodbye", "static")],
    ]  # fmt: skip


async def _customer(client: httpx.AsyncClient, url: str, scripts: list[list[Turn]], count: int,
                    rng: random.Random, results: Results) -> None:  # fmt: skip
    for _ in range(count):
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for text, kind in rng.choice(scripts):
            started = time.perf_counter()
            try:
                response = await client.post(url, json={"sender": sender, "message": text})
                ok = response.status_code == 200 and len(response.json()) > 0
            except httpx.HTTPError:
                ok = False
            results.latencies[kind].append(time.perf_counter() - started)
            if not ok:
                results.errors[kind] += 1


class MemorySampler(threading.Thread):
    """Peak RSS of each process tree, sampled every 250 ms."""

    def __init__(self, processes: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.peaks: dict[str, int] = defaultdict(int)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            for name, pid in self.processes.items():
                try:
                    root = psutil.Process(pid)
                    tree = [root, *root.children(recursive=True)]
                    self.peaks[name] = max(self.peaks[name], sum(p.memory_info().rss for p in tree))
                except psutil.Error:
                    pass


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _report(results: Results, seconds: float, peaks: dict[str, int] | None, args: argparse.Namespace) -> None:
    total = sum(len(v) for v in results.latencies.values())
    print(
        f"\nsettings: customers={args.customers} conversations/customer={args.conversations} "
        f"sanic_workers={args.sanic_workers} action_workers={args.action_workers} seed={args.seed}"
    )
    print(f"turns: {total} in {seconds:.1f} s -> {total / seconds:.1f} messages/s")
    print(
        f"{'kind':8} {'turns':>6} {'msg/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'mean ms':>8} {'errors':>6}"
    )
    for kind in ("static", "custom", "all"):
        values = (
            [v for k, vs in results.latencies.items() for v in vs]
            if kind == "all"
            else results.latencies[kind]
        )
        errors = sum(results.errors.values()) if kind == "all" else results.errors[kind]
        if not values:
            continue
        print(f"{kind:8} {len(values):6d} {len(values) / seconds:7.1f} {_percentile(values, .5) * 1000:8.0f} "
              f"{_percentile(values, .95) * 1000:8.0f} {_percentile(values, .99) * 1000:8.0f} "
              f"{statistics.mean(values) * 1000:8.0f} {errors:6d}")  # fmt: skip
    if peaks:
        print("peak memory (RSS of process + children): " + ", ".join(
            f"{name} {rss / 2**20:.0f} MB" for name, rss in sorted(peaks.items())))  # fmt: skip


async def _run_load(url: str, store_redis: Redis, args: argparse.Namespace) -> tuple[Results, float]:
    rng = random.Random(args.seed)
    ids = sorted(redis_edge.text(i) for i in store_redis.smembers("cs:store:order_ids"))
    raw_orders = store_redis.mget([f"cs:store:order:{i}" for i in rng.sample(ids, 200)])
    orders = [json.loads(raw) for raw in raw_orders if raw is not None]
    products = [json.loads(v) for v in store_redis.hgetall("cs:store:products").values()]
    results = Results()
    limits = httpx.Limits(max_connections=args.customers + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        # Warm-up: one conversation of each kind, not measured.
        await _customer(client, url, _scripts(orders, products, rng), 3, rng, Results())
        started = time.perf_counter()
        await asyncio.gather(*[
            _customer(client, url, _scripts(orders, products, random.Random(args.seed + n)),
                      args.conversations, random.Random(args.seed * 1000 + n), results)
            for n in range(args.customers)
        ])  # fmt: skip
        return results, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--conversations", type=int, default=10, help="per customer")
    defaults = StackSettings()
    parser.add_argument("--sanic-workers", type=int, default=defaults.sanic_workers)
    parser.add_argument("--action-workers", type=int, default=defaults.action_workers)
    parser.add_argument("--redis-url", default=BENCH_REDIS_URL)
    parser.add_argument("--rasa-url", default=None, help="measure a running Rasa server instead")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    store_redis = Redis.from_url(args.redis_url, decode_responses=True)
    if args.rasa_url:
        results, seconds = asyncio.run(_run_load(f"{args.rasa_url}/webhooks/rest/webhook", store_redis, args))
        _report(results, seconds, None, args)
        return
    store_redis.flushdb()
    settings = StackSettings(
        redis_url=args.redis_url, rasa_port=25005, action_port=25055, web_port=28080,
        sanic_workers=args.sanic_workers, action_workers=args.action_workers, data_dir=Path(mkdtemp()),
    )  # fmt: skip
    with Assistant(settings) as assistant:
        sampler = MemorySampler({k: v for k, v in pids(assistant).items() if k != "web"})
        sampler.start()
        results, seconds = asyncio.run(
            _run_load(f"{assistant.rasa_url}/webhooks/rest/webhook", store_redis, args)
        )
        sampler.stopped.set()
        _report(results, seconds, dict(sampler.peaks), args)
    store_redis.flushdb()


if __name__ == "__main__":
    main()
