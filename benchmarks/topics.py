"""The topics job's speed: 10,000 new messages with no topics yet, then 500 when the topics exist.

    python -m benchmarks.topics --clinc ../shared/data/clinc150/data_full.json [--first 10000] [--then 500]
                                [--redis-url redis://127.0.0.1:6379/13] [--threads 2]

Customer-like messages (CLINC150's in-scope questions: the train split for the first run,
the validation split for the second) are written to the event stream under a throwaway
key prefix in the given scratch database, as the event broker writes them, spread over
the last 28 days; then ``jobs.topic_run.run_topics`` (the code ``python -m jobs.topics
run`` calls) reads, masks, embeds, places, names and stores them, and tests every topic
for emergence. The encoder is loaded once before the runs, as in ``run --every``; its
load time is printed apart. The keys under the prefix are deleted afterwards; the
database is never flushed. Targets (issue 18): 10,000 messages in at most 90 s, 500 in
at most 5 s, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import time
import uuid
from pathlib import Path

from redis import Redis

from actions.insights.masking import Masker
from actions.keys import Keys
from jobs.topic_run import Encoder, RunOptions, RunReport, run_topics
from jobs.topics import load_encoder

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
TARGETS_S = {"first": 90.0, "then": 5.0}


def _write_messages(redis: Redis, keys: Keys, texts: list[str], start: float, end: float, tag: str) -> None:
    step = (end - start) / max(len(texts), 1)
    with redis.pipeline(transaction=False) as pipe:
        for n, text in enumerate(texts):
            sender = f"{tag}-{n // 3}"  # three messages per conversation
            event = {
                "event": "user",
                "timestamp": start + n * step,
                "text": text,
                "sender_id": sender,
                "parse_data": {"intent": {"name": "product_question", "confidence": 0.9}},
            }
            pipe.xadd(keys.events, {"sender_id": sender, "type": "user", "event": json.dumps(event)})
        pipe.execute()


def _delete(redis: Redis, keys: Keys) -> int:
    found = list(redis.scan_iter(match=f"{keys.prefix}:*", count=1000))
    return int(redis.delete(*found)) if found else 0


def _timed(name: str, redis: Redis, keys: Keys, encoder: Encoder, target: float) -> RunReport:
    load = os.getloadavg()[0]
    started = time.perf_counter()
    report = run_topics(redis, keys, encoder, Masker(), RunOptions())
    took = time.perf_counter() - started
    verdict = "meets" if took <= target else "MISSES"
    print(f"\n{name}: {took:.1f} s ({verdict} the {target:.0f} s target); load average before {load:.2f}")
    for line in report.lines():
        print(f"  {line}")
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.topics", description=__doc__.splitlines()[0])
    parser.add_argument("--clinc", type=Path, required=True, help="CLINC150 data_full.json")
    parser.add_argument("--first", type=int, default=10_000, help="messages of the first run (no topics)")
    parser.add_argument("--then", type=int, default=500, help="messages of the second run (topics exist)")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"scratch database ({DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    data = json.loads(args.clinc.read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    first = rng.sample([text for text, _ in data["train"]], args.first)
    then = rng.sample([text for text, _ in data["val"]], args.then)
    print(
        f"settings: first run {len(first)} messages, second run {len(then)}; torch threads "
        f"{args.threads}, float32; {os.cpu_count()} CPUs; Redis {args.redis_url}; seed {args.seed}"
    )

    started = time.perf_counter()
    encoder = load_encoder(args.threads)
    print(f"encoder load: {time.perf_counter() - started:.1f} s (once per process)")
    keys = Keys(f"bench-topics-{uuid.uuid4().hex[:8]}")
    redis = Redis.from_url(args.redis_url)
    now = time.time()
    try:
        _write_messages(redis, keys, first, now - 28 * 86_400, now - 3_600, "a")
        _timed(f"first run, {len(first)} new messages, no topics", redis, keys, encoder, TARGETS_S["first"])
        _write_messages(redis, keys, then, now - 3_000, now - 60, "b")
        _timed(f"second run, {len(then)} new messages, topics exist", redis, keys, encoder, TARGETS_S["then"])
    finally:
        print(f"\nscratch keys deleted: {_delete(redis, keys)}")
        redis.close()
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
