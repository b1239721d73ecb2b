"""python -m nlu_eval: train NLU pipelines on a benchmark and print their quality side by side.

    python -m nlu_eval --clinc ../shared/data/clinc150/data_full.json [--split val|test] [--default]
    python -m nlu_eval --csv-train train.csv --csv-test test.csv --oos-label oos [--config other.yml]
    python -m nlu_eval --bot-data bot/data/nlu [--holdout 0.2]

Out of scope is predicted when the top intent is ``out_of_scope`` (CLINC150's
``oos`` label, or the CSV's --oos-label, trained as an intent) or when the
pipeline's FallbackClassifier answers ``nlu_fallback``. ``--thresholds`` re-scores
the same trained model with other fallback thresholds.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

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


def stratified(examples: list[Example], limit: int | None) -> list[Example]:
    """At most ``limit`` examples, taken from every label in turn (data files are sorted by label)."""
    if limit is None or limit >= len(examples):
        return examples
    by_label: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_label[example.label].append(example)
    queues = [by_label[label] for label in sorted(by_label)]
    chosen: list[Example] = []
    for index in range(max(len(q) for q in queues)):
        chosen += [q[index] for q in queues if index < len(q)]
        if len(chosen) >= limit:
            break
    return chosen[:limit]


def default_config(epochs: int | None) -> Path:
    """Rasa's default pipeline, or a copy of it whose DIET trains for ``epochs`` epochs."""
    if epochs is None:
        return DEFAULT_CONFIG
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["epochs"] = epochs
    # The file name is the report's label, so the change is never hidden.
    path = Path(tempfile.mkdtemp(prefix="nlu-eval-")) / f"default_config_diet_{epochs}_epochs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


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
    parser.add_argument(
        "--config", type=Path, action="append", help="pipeline config(s); default: config.yml"
    )
    parser.add_argument("--default", action="store_true", help="also run Rasa's suggested default pipeline")
    parser.add_argument(
        "--default-epochs",
        type=int,
        default=None,
        help="train the default pipeline's DIET for this many epochs instead of 100 "
        "(its full run takes hours on 2 cores); the report names the change",
    )
    parser.add_argument(
        "--limit-train",
        type=int,
        default=None,
        help="train on N examples only, taken from every label in turn",
    )
    parser.add_argument(
        "--thresholds",
        type=_floats,
        default=[],
        help="also score the trained model with these fallback thresholds, e.g. 0.4,0.5,0.6",
    )
    parser.add_argument(
        "--ambiguity",
        type=float,
        default=None,
        help="ambiguity threshold for --thresholds (default: the config's)",
    )
    parser.add_argument(
        "--rankings-out",
        type=Path,
        default=None,
        help="folder for one JSONL file per config: each test message's intent ranking",
    )
    args = parser.parse_args(argv)
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parsed message at debug level: keep the figures readable.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    from nlu_eval.measure import evaluate, load_average

    if args.clinc:
        benchmark = read_clinc(args.clinc, args.split)
    elif args.csv_train:
        if not args.csv_test:
            parser.error("--csv-train needs --csv-test")
        benchmark = read_csv_benchmark(args.csv_train, args.csv_test, args.oos_label)
    else:
        benchmark = bot_benchmark(args.bot_data, args.holdout, args.seed)
    train = stratified(benchmark.train, args.limit_train)
    default = [default_config(args.default_epochs)] if args.default or args.default_epochs else []
    configs = list(args.config or [Path("config.yml")]) + default
    print(f"{benchmark.name}: {len(train)} training and {len(benchmark.test)} test messages "
          f"(load {load_average()}; 1/5/15-minute averages, printed after each training too)")  # fmt: skip
    for config in configs:
        rankings_out = None
        if args.rankings_out:
            args.rankings_out.mkdir(parents=True, exist_ok=True)
            rankings_out = args.rankings_out / f"{config.stem}.jsonl"
        for report in evaluate(config, train, benchmark.test, args.thresholds, args.ambiguity, rankings_out):
            print(report.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
