"""Throughput on simple and store turns, against Rasa's starter bot, and with replicas, in one table.

python -m benchmarks.throughput [--only simple,starter,store,replicas] [--customers 20]
    [--store-customers 20,50] [--conversations 5] [--seed 1]

Parts (all by default):
  simple    the assistant (one Rasa and one action server, 2 workers each: `make run`) on turns
            that never reach the generator: greetings, thanks, "are you a bot?", goodbye
  starter   Rasa's starter bot (`rasa init`, Redis tracker store) on its own simple turns, as
            `rasa init` makes it (1 Sanic worker: Rasa allows no more with its default in-memory
            lock store) and with a Redis lock store and as many workers as the assistant's Rasa;
            the assistant/starter throughput ratio against each
  store     the assistant on store turns (order lookups, help-centre and product questions)
            at each of --store-customers
  replicas  2 Rasa + 2 action-server replicas behind nginx (1 worker each) against the
            1-replica stack, on simple and store turns: the throughput ratio
Every customer holds --conversations 10-turn conversations, one after the other, and
sends each message as soon as it has the previous reply. The load generator runs on the
same machine, so it takes CPU from the servers it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from tempfile import mkdtemp

import httpx
import psutil
from redis import Redis

from actions import redis_edge
from actions.keys import Keys
from benchmarks.conversations import MemorySampler, _percentile
from benchmarks.starter_bot import SIMPLE_TURNS as STARTER_TURNS
from benchmarks.starter_bot import serving_starter_bot
from stack.assistant import Assistant, pids
from stack.config import ROOT, StackSettings

PARTS = ("simple", "starter", "store", "replicas")
# Throwaway databases of their own, flushed before and after (the variables move them off
# databases that something else on the machine uses).
ASSISTANT_REDIS_URL = os.environ.get("THROUGHPUT_ASSISTANT_REDIS_URL", "redis://127.0.0.1:6379/6")
STARTER_REDIS_URL = os.environ.get("THROUGHPUT_STARTER_REDIS_URL", "redis://127.0.0.1:6379/7")
ASSISTANT_PORTS = (27305, 27355, 27380)
STARTER_PORT = 27405
TECHNICAL_PROBLEM = "having a technical problem"
SLOWEST_KINDS = 4

SIMPLE_TURNS = [
    ["hi", "are you a bot?", "thanks", "hello", "thank you", "good morning", "are you a robot?", "thanks!",
     "hey", "bye"],
    ["hello", "thanks", "are you a bot?", "hi", "thank you so much", "good evening", "am I talking to a bot?",
     "cheers, thanks", "hello there", "goodbye"],
    ["good morning", "are you a human?", "thank you", "hey there", "thanks a lot", "hi", "are you a bot?",
     "thanks", "hello", "see you later"],
]  # fmt: skip


@dataclass
class Sample:
    """Latencies and failures of one part's measured turns."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    technical_problems: int = 0
    seconds: float = 0.0
    peak_rss: dict[str, int] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    # The same latencies by kind of message (``message_kind``): which turns make the p95.
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def ms(self, q: float) -> float:
        return _percentile(self.latencies, q) * 1000


_MESSAGE_KINDS = (
    (re.compile(r"^\d+$"), "<order number>"),
    (re.compile(r"@"), "<e-mail>"),
    (re.compile(r"^how much is the .+\?$"), "how much is the <product>?"),
    (re.compile(r"^is the .+ in stock\?$"), "is the <product> in stock?"),
)


def message_kind(text: str) -> str:
    """The message with its order number, e-mail or product name put as a placeholder."""
    return next((kind for pattern, kind in _MESSAGE_KINDS if pattern.search(text)), text)


class CpuMeter:
    """CPU seconds (user + system) each process tree spent between ``start`` and ``stop``.

    Says where a turn's time goes on a machine whose cores are all busy. The load generator
    (this process alone), the stack's other processes (its web app, jobs and balancer, which
    this process started) and Redis count too, as they take the same cores.
    """

    def __init__(self, processes: dict[str, int]) -> None:
        self.processes = dict(processes)
        if redis_pid := _redis_server_pid():
            self.processes["redis"] = redis_pid
        self._before: dict[int, float] = {}

    def _groups(self) -> dict[str, list[psutil.Process]]:
        groups: dict[str, list[psutil.Process]] = {}
        for name, pid in self.processes.items():
            try:
                root = psutil.Process(pid)
                groups[name] = [root, *root.children(recursive=True)]
            except psutil.Error:
                groups[name] = []
        named = {p.pid for members in groups.values() for p in members}
        me = psutil.Process()
        groups["load generator"] = [me]
        groups["other stack processes"] = [p for p in me.children(recursive=True) if p.pid not in named]
        return groups

    @staticmethod
    def _seconds(process: psutil.Process) -> float:
        try:
            cpu = process.cpu_times()
        except psutil.Error:
            return 0.0
        return cpu.user + cpu.system

    def start(self) -> None:
        self._before = {p.pid: self._seconds(p) for members in self._groups().values() for p in members}

    def stop(self) -> dict[str, float]:
        return {
            name: sum(self._seconds(p) - self._before.get(p.pid, 0.0) for p in members)
            for name, members in self._groups().items()
        }


def _redis_server_pid() -> int | None:
    for connection in psutil.net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == 6379 and connection.pid:
            return int(connection.pid)
    return None


@dataclass
class Row:
    part: str
    setting: str
    customers: int
    sample: Sample


Scripts = Callable[[random.Random], list[list[str]]]


def _store_scripts(redis: Redis) -> Scripts:
    """10-turn store conversations with real demo orders and products (each customer its own)."""
    keys = Keys("cs")
    ids = sorted(redis_edge.text(i) for i in redis.smembers(keys.order_ids))
    names = [json.loads(v)["name"] for v in redis.hgetall(keys.products).values()]

    def scripts(rng: random.Random) -> list[list[str]]:
        raw = redis.mget([keys.order(i) for i in rng.sample(ids, 4)])
        o = [json.loads(r) for r in raw if r is not None]
        p = rng.sample(names, 3)
        return [
            ["where is my order?", o[0]["id"], o[0]["email"], "how much does express shipping cost?",
             "do you sell yoga mats?", f"how much is the {p[0]}?", "how long does a refund take?",
             "where is my order?", o[1]["id"], o[1]["email"]],
            ["do you sell hiking boots?", f"how much is the {p[1]}?", "can I return a sale item?",
             "what payment methods do you accept?", "where is my order?", o[2]["id"], o[2]["email"],
             "do you ship to Canada?", "how long does delivery take?",
             "I need a gift for my dad who likes hiking, budget 100 dollars"],
            ["my card was declined", "how do I reset my password?", f"is the {p[2]} in stock?",
             "where is my order?", o[3]["id"], o[3]["email"], "do you sell running shoes?",
             "something cheaper", "how long does a refund take?", "do you ship to Canada?"],
        ]  # fmt: skip

    return scripts


async def _customer(
    client: httpx.AsyncClient, url: str, scripts: list[list[str]], conversations: int, rng: random.Random,
    sample: Sample,
) -> None:  # fmt: skip
    for _ in range(conversations):
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        for text in rng.choice(scripts):
            started = time.perf_counter()
            try:
                response = await client.post(url, json={"sender": sender, "message": text})
                replies = response.json() if response.status_code == 200 else []
            except (httpx.HTTPError, ValueError):
                replies = []
            sample.latencies.append(time.perf_counter() - started)
            sample.by_kind.setdefault(message_kind(text), []).append(sample.latencies[-1])
            sample.errors += not replies
            sample.technical_problems += any(TECHNICAL_PROBLEM in (r.get("text") or "") for r in replies)


def _load(
    url: str, scripts: Scripts, customers: int, conversations: int, seed: int, rss: dict[str, int]
) -> Sample:
    """``customers`` at once after an unmeasured warm-up; peak RSS of the ``rss`` process trees."""

    async def run() -> Sample:
        sample = Sample()
        limits = httpx.Limits(max_connections=customers + 5)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            warm = random.Random(seed - 1)
            await _customer(client, url, scripts(warm), 1, warm, Sample())
            sampler = MemorySampler(rss)
            sampler.start()
            cpu = CpuMeter(rss)
            cpu.start()
            started = time.perf_counter()
            await asyncio.gather(*(
                _customer(client, url, scripts(random.Random(seed * 1000 + n)), conversations,
                          random.Random(seed * 7919 + n), sample)
                for n in range(customers)
            ))  # fmt: skip
            sample.seconds = time.perf_counter() - started
            sample.cpu_seconds = cpu.stop()
            sampler.stopped.set()
            sample.peak_rss = dict(sampler.peaks)
        return sample

    return asyncio.run(run())


@contextmanager
def _assistant(replicas: int) -> Iterator[Assistant]:
    rasa, action, web = ASSISTANT_PORTS
    settings = StackSettings(
        redis_url=ASSISTANT_REDIS_URL, rasa_port=rasa, action_port=action, web_port=web, replicas=replicas,
        data_dir=Path(mkdtemp(prefix="bench-throughput-")),
    )  # fmt: skip
    Redis.from_url(ASSISTANT_REDIS_URL).flushdb()
    try:
        with Assistant(settings) as assistant:
            yield assistant
    finally:
        Redis.from_url(ASSISTANT_REDIS_URL).flushdb()


def _servers(assistant: Assistant) -> dict[str, int]:
    return {name: pid for name, pid in pids(assistant).items() if name not in ("web", "balancer")}


def _measure_assistant(replicas: int, plan: list[tuple[str, int]], args: argparse.Namespace) -> list[Row]:
    rows = []
    with _assistant(replicas) as assistant:
        s = assistant.settings
        setting = f"{replicas} Rasa x {s.sanic_workers} workers, {replicas} action x {s.action_workers}" + (
            ", nginx" if s.scaled_out else ""
        )
        url = f"{assistant.rasa_url}/webhooks/rest/webhook"
        store = _store_scripts(Redis.from_url(ASSISTANT_REDIS_URL))
        for kind, customers in plan:
            scripts: Scripts = (lambda _: SIMPLE_TURNS) if kind == "simple" else store
            print(f"measuring {kind} turns, {customers} customers, {setting} (load {_loadavg()})", flush=True)
            sample = _load(url, scripts, customers, args.conversations, args.seed, _servers(assistant))
            rows.append(Row(kind, setting, customers, sample))
    return rows


def _measure_starter(args: argparse.Namespace, workers: int) -> Row:
    settings = StackSettings()
    cache = ROOT / ".data" / "starter-bot"
    with serving_starter_bot(settings, cache, STARTER_REDIS_URL, STARTER_PORT, workers) as (url, server):
        print(f"measuring the starter bot, {args.customers} customers (load {_loadavg()})", flush=True)
        rss = {"starter": server.pid} if server.pid is not None else {}
        sample = _load(
            f"{url}/webhooks/rest/webhook", lambda _: STARTER_TURNS, args.customers, args.conversations,
            args.seed, rss,
        )  # fmt: skip
    setting = (
        "Rasa starter bot as `rasa init` makes it, 1 worker"
        if workers == 1
        else f"Rasa starter bot with a Redis lock store, {workers} workers"
    )
    return Row("starter", setting, args.customers, sample)


def _loadavg() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def _by_kind(values: dict[str, float]) -> dict[str, float]:
    """Replicas summed: ``rasa-1`` and ``rasa-2`` count as ``rasa``."""
    by_kind: dict[str, float] = {}
    for name, value in values.items():
        kind = name.rstrip("0123456789").rstrip("-")
        by_kind[kind] = by_kind.get(kind, 0) + value
    return dict(sorted(by_kind.items()))


def _mb(peaks: dict[str, int]) -> str:
    return ", ".join(f"{kind} {rss / 2**20:,.0f}" for kind, rss in _by_kind(dict(peaks)).items())


def _report(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"\n{date.today()}, {os.cpu_count()} CPUs; the load generator runs on the same cores. "
        f"{args.conversations} conversations of 10 turns per customer, no think time, seed {args.seed}."
    )
    print("| part | setting | customers | turns | msg/s | p50 ms | p95 ms | p99 ms | errors "
          "| technical problem | peak RSS MB (all replicas) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        s = row.sample
        print(
            f"| {row.part} | {row.setting} | {row.customers} | {len(s.latencies)} | {s.rate:.1f} | "
            f"{s.ms(0.5):,.0f} | {s.ms(0.95):,.0f} | {s.ms(0.99):,.0f} | {s.errors} | "
            f"{s.technical_problems} | {_mb(s.peak_rss)} |"
        )

    print("\nCPU ms per turn, by process (all replicas and workers together):")
    for row in rows:
        turns = len(row.sample.latencies) or 1
        by_kind = _by_kind(row.sample.cpu_seconds)
        spent = ", ".join(f"{name} {seconds * 1000 / turns:.1f}" for name, seconds in by_kind.items())
        print(f"- {row.part}, {row.setting}, {row.customers} customers: {spent}")

    print("\nSlowest kinds of store message (p95, mean ms):")
    for row in rows:
        if row.part != "store":
            continue
        kinds = sorted(row.sample.by_kind.items(), key=lambda kv: -_percentile(kv[1], 0.95))[:SLOWEST_KINDS]
        listed = "; ".join(
            f"{kind!r} {_percentile(times, 0.95) * 1000:,.0f}, {sum(times) / len(times) * 1000:,.0f}"
            for kind, times in kinds
        )
        print(f"- {row.setting}, {row.customers} customers: {listed}")

    def find(part: str, customers: int, scaled: bool) -> Sample | None:
        match = [
            r
            for r in rows
            if r.part == part and r.customers == customers and ("nginx" in r.setting) == scaled
        ]
        return match[0].sample if match else None

    n = args.customers
    simple = find("simple", n, False)
    starters = [r for r in rows if r.part == "starter" and r.customers == n]
    for starter in starters:
        if simple is None:
            break
        print(f"simple turns: assistant / {starter.setting}: throughput "
              f"{simple.rate / starter.sample.rate:.2f}x (target >= 2.0x), "
              f"assistant p95 {simple.ms(0.95):,.0f} ms (target <= 1,000)")  # fmt: skip
    for part in ("simple", "store"):
        one, two = find(part, n, False), find(part, n, True)
        if one and two:
            print(f"{part} turns: 2 replicas / 1 replica throughput {two.rate / one.rate:.2f}x "
                  f"(p95 {one.ms(0.95):,.0f} -> {two.ms(0.95):,.0f} ms)")  # fmt: skip
    for customers, target in ((20, 1500), (50, 2500)):
        store = find("store", customers, False)
        if store:
            print(f"store turns, {customers} customers: p95 {store.ms(0.95):,.0f} ms (target <= {target:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}"
    )
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--store-customers", default="20,50", help="comma-separated customer counts")
    parser.add_argument("--conversations", type=int, default=5, help="per customer")
    parser.add_argument(
        "--starter-workers",
        default=f"1,{StackSettings().sanic_workers}",
        help="comma-separated Sanic worker counts for the starter bot (default: 1, as `rasa init` makes "
        "it, and the assistant's Rasa's)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    if unknown := parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    store_customers = [int(c) for c in args.store_customers.split(",")]
    plan = [("simple", args.customers)] if parts & {"simple", "replicas"} else []
    if "store" in parts:
        plan += [("store", c) for c in store_customers]
    elif "replicas" in parts:
        plan.append(("store", args.customers))
    rows = _measure_assistant(1, plan, args) if plan else []
    if "starter" in parts:
        rows += [_measure_starter(args, int(w)) for w in args.starter_workers.split(",")]
    if "replicas" in parts:
        rows += _measure_assistant(2, [("simple", args.customers), ("store", args.customers)], args)
    _report(rows, args)


if __name__ == "__main__":
    main()
