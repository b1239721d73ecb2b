"""Command line: topics from customer messages (run, list) and their quality against labelled data.

python -m jobs.topics run [--redis-url URL] [--prefix cs] [--every SECONDS] [--threads 2]
python -m jobs.topics list [--redis-url URL] [--prefix cs] [--top 20]
python -m jobs.topics evaluate --clinc ../shared/data/clinc150/data_full.json [--split test] [--runs 1 2 5]
                               [--join-threshold 0.6 ...] [--min-cohesion 0.6 ...]
python -m jobs.topics evaluate --csv messages.csv          # text,label rows
python -m jobs.topics compare --clinc ../shared/data/clinc150/data_full.json --split val
python -m jobs.topics evaluate-emerging [--seeds 1 ... 10] [--days 60] [--onset 50] [--jump 48] [--rate 0.5]
                                    [--alpha 0.001] [--min-count 8] [--unit messages|conversations]

``run`` reads the event stream from where the last run stopped (``--every``: again every
SECONDS, with the encoder loaded once) and stores topics, counters and emerging flags
(docs/insights.md). ``evaluate`` places labelled messages exactly as a run does, with no
number of topics given, and prints NMI, ARI, clustering accuracy and the topics found;
``compare`` scores the methods the job was chosen from on the same embeddings.
``evaluate-emerging`` runs the emerging test day by day on simulated demo histories with a
planted rise (``jobs/emerging_eval.py``). Timing of 10,000 and 500 messages: ``python -m benchmarks.topics``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from redis import Redis

from actions.errors import AssistantError
from actions.insights.emerging import EmergingRule
from actions.insights.masking import Masker
from actions.insights.overrides import TopicBoard
from actions.insights.topics import PlacementOptions
from actions.keys import Keys
from actions.settings import Settings
from jobs.common import async_redis, configure_logging, sync_redis, tool_parser
from jobs.topic_candidates import HEADER, compare
from jobs.topic_quality import CLINC_SPLITS, evaluate, read_clinc, read_labelled_csv
from jobs.topic_run import RunOptions, run_topics

if TYPE_CHECKING:
    from actions.knowledge.embedding import SentenceEncoder


def load_encoder(threads: int) -> SentenceEncoder:
    """The sentence encoder for batches in float32: bfloat16 embedded batches about 40% slower here."""
    from actions.knowledge.embedding import SentenceEncoder

    return SentenceEncoder(threads=threads, bfloat16=False)


def store_masker(redis: Redis, keys: Keys, order_id_pattern: str) -> Masker:
    """A masker that keeps the words of the store's name, product names and categories."""
    names: list[str] = []
    for raw in redis.hvals(keys.products):
        product = json.loads(raw)
        names += [str(product.get("name", "")), str(product.get("category", ""))]
    policy = redis.get(keys.policy)
    if policy is not None:
        names.append(str(json.loads(policy).get("store_name", "")))
    return Masker.for_store(names, order_id_pattern)


def _run(args: argparse.Namespace) -> int:
    settings = Settings(redis_url=args.redis_url)
    keys = Keys(args.prefix)
    started = time.perf_counter()
    encoder = load_encoder(args.threads)
    print(f"encoder loaded in {time.perf_counter() - started:.1f} s")
    with sync_redis(args.redis_url) as redis:
        while True:
            masker = store_masker(redis, keys, settings.order_id_pattern)
            report = run_topics(redis, keys, encoder, masker, RunOptions(chunk=args.chunk))
            for line in report.lines():
                print(line, flush=True)
            if not args.every:
                return 0
            time.sleep(args.every)


async def _list(args: argparse.Namespace) -> int:
    async with async_redis(args.redis_url) as redis:
        board = TopicBoard(redis, Keys(args.prefix))
        topics = await board.topics()
        flags = {flag.topic_id: flag for flag in await board.emerging()}
    print(f"{len(topics)} topics")
    for view in topics[: args.top]:
        mark = "  EMERGING" if view.id in flags else ""
        merged = f" (+ {', '.join(view.merged)})" if view.merged else ""
        print(f"{view.id:>7} {view.size:6d}  {view.name}{merged}{mark}")
        for example in view.examples[:2]:
            print(f"{'':16}\u2022 {example.text}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    data = read_clinc(args.clinc, args.split) if args.clinc else read_labelled_csv(args.csv)
    started = time.perf_counter()
    encoder = load_encoder(args.threads)
    loaded = time.perf_counter() - started
    print(f"encoder load: {loaded:.1f} s")
    grid = [
        PlacementOptions(join_threshold=join, min_cohesion=cohesion)
        for cohesion in args.min_cohesion
        for join in args.join_threshold
    ]
    for quality in evaluate(data, encoder.encode, grid, runs=args.runs, seed=args.seed):
        print()
        for line in quality.lines():
            print(line)
    return 0


def _compare(args: argparse.Namespace) -> int:
    data = read_clinc(args.clinc, args.split) if args.clinc else read_labelled_csv(args.csv)
    vectors = load_encoder(args.threads).encode(data.texts)
    print(f"{data.name}: {len(data.texts)} messages, {len(set(data.labels))} labels")
    print(HEADER)
    for row in compare(data, vectors):
        print(row.line(), flush=True)
    return 0


def _evaluate_emerging(args: argparse.Namespace) -> int:
    from jobs.emerging_eval import evaluate as evaluate_emerging

    for jump in args.jump or [None]:
        rule = EmergingRule(alpha=args.alpha, min_count=args.min_count)
        result = evaluate_emerging(args.seeds, args.days, args.onset, jump, args.rate, rule, args.unit)
        for line in result.lines():
            print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = tool_parser("jobs.topics", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="place the new customer messages in topics and store them")
    listing = sub.add_parser("list", help="print the topics, largest first, with two examples each")
    settings = Settings()
    for command in (run, listing):
        command.add_argument("--redis-url", default=settings.redis_url, help="default: REDIS_URL")
        command.add_argument(
            "--prefix", default=settings.cs_key_prefix, help="key prefix (default: CS_KEY_PREFIX)"
        )
    run.add_argument("--every", type=float, default=0, help="run again every SECONDS (default: once)")
    run.add_argument("--chunk", type=int, default=RunOptions().chunk, help="messages placed at once")
    listing.add_argument("--top", type=int, default=20)
    quality = sub.add_parser("evaluate", help="topic quality against labelled messages")
    candidates = sub.add_parser(
        "compare", help="the clustering methods the job was chosen from, side by side"
    )
    for command in (quality, candidates):
        source = command.add_mutually_exclusive_group(required=True)
        source.add_argument("--clinc", type=Path, help="CLINC150 data_full.json (in-scope messages)")
        source.add_argument("--csv", type=Path, help="text,label CSV")
        command.add_argument(
            "--split", choices=CLINC_SPLITS, default="test", help="CLINC150 split (default test)"
        )
    quality.add_argument(
        "--runs", type=int, nargs="+", default=[1], help="successive runs over a seeded shuffle, e.g. 1 2 5"
    )
    quality.add_argument("--seed", type=int, default=7)
    defaults = PlacementOptions()
    quality.add_argument(
        "--join-threshold", type=float, nargs="+", default=[defaults.join_threshold], help="e.g. 0.55 0.6"
    )
    quality.add_argument(
        "--min-cohesion", type=float, nargs="+", default=[defaults.min_cohesion], help="e.g. 0.55 0.6"
    )
    for command in (run, quality, candidates):
        command.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    rise = sub.add_parser(
        "evaluate-emerging",
        help="days from a planted rise to its flag, and false alarms, on simulated histories",
    )
    rise.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)), help="default 1 ... 10")
    rise.add_argument("--days", type=int, default=60, help="days per history (default 60)")
    rise.add_argument("--onset", type=int, default=None, help="day index of the rise (default days - 10)")
    rise.add_argument(
        "--jump", type=float, nargs="+", default=None, help="rise factors (default the demo history's)"
    )
    rise.add_argument(
        "--rate", type=float, default=None, help="the planted subject's conversations a day before"
    )
    rise.add_argument("--alpha", type=float, default=EmergingRule.alpha, help=f"default {EmergingRule.alpha}")
    rise.add_argument(
        "--min-count", type=int, default=EmergingRule.min_count, help=f"default {EmergingRule.min_count}"
    )
    rise.add_argument(
        "--unit",
        choices=["messages", "conversations"],
        default="conversations",
        help="counted per topic and day (the job counts conversations)",
    )
    args = parser.parse_args(argv)
    configure_logging()
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "list":
            return asyncio.run(_list(args))
        if args.command == "compare":
            return _compare(args)
        if args.command == "evaluate-emerging":
            return _evaluate_emerging(args)
        return _evaluate(args)
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
