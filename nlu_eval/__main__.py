"""python -m nlu_eval: train NLU pipelines on a benchmark and print their quality side by side.

    python -m nlu_eval --clinc ../shared/data/clinc150/data_full.json [--split val|test] [--default]
    python -m nlu_eval --csv-train train.csv --csv-test test.csv --oos-label oos [--config other.yml]
    python -m nlu_eval --bot-data bot/data/nlu [--holdout 0.2]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from collections import defaultdict
from pathlib import Path

from nlu_eval.datasets import Benchmark, Example, read_clinc, read_csv_benchmark

DEFAULT_CONFIG = Path(__file__).parent / "default_config.yml"


def bot_benchmark(nlu_dir: Path, holdout: float, seed: int) -> Benchmark:
    """The assistant's own NLU data, split per intent into training and held-out examples."""
    from rasa.shared.nlu.training_data.loading import load_data

    by_intent: dict[str, list[Example]] = defaultdict(list)
    for message in load_data(str(nlu_dir)).intent_examples:
        by_intent[message.get("intent")].append(Example(message.get("text"), message.get("intent")))
    rng = random.Random(seed)
    train, test = [], []
    for intent in sorted(by_intent):
        examples = by_intent[intent][:]
        rng.shuffle(examples)
        cut = max(1, round(len(examples) * holdout))
        test += examples[:cut]
        train += examples[cut:]
    return Benchmark(f"bot NLU data ({holdout:.0%} held out)", train, test)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m nlu_eval", description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--clinc", type=Path, help="CLINC150 data_full.json")
    source.add_argument("--csv-train", type=Path, help="text,label CSV for training")
    source.add_argument("--bot-data", type=Path, help="the assistant's NLU folder (bot/data/nlu)")
    parser.add_argument("--split", choices=["val", "test"], default="test", help="CLINC150 split to measure")
    parser.add_argument("--csv-test", type=Path)
    parser.add_argument("--oos-label", default=None, help="CSV label that means out of scope")
    parser.add_argument("--holdout", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--config", type=Path, action="append", help="pipeline config(s); default: config.yml")
    parser.add_argument("--default", action="store_true", help="also run Rasa's suggested default pipeline")
    parser.add_argument("--limit-train", type=int, default=None, help="use only the first N training examples")
    args = parser.parse_args(argv)
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parsed message at debug level: keep the figures readable.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    from nlu_eval.measure import evaluate

    if args.clinc:
        benchmark = read_clinc(args.clinc, args.split)
    elif args.csv_train:
        if not args.csv_test:
            parser.error("--csv-train needs --csv-test")
        benchmark = read_csv_benchmark(args.csv_train, args.csv_test, args.oos_label)
    else:
        benchmark = bot_benchmark(args.bot_data, args.holdout, args.seed)
    train = benchmark.train[: args.limit_train] if args.limit_train else benchmark.train
    configs = list(args.config or [Path("config.yml")]) + ([DEFAULT_CONFIG] if args.default else [])
    print(f"{benchmark.name}: {len(train)} training and {len(benchmark.test)} test messages")
    for config in configs:
        print(evaluate(config, train, benchmark.test).line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
