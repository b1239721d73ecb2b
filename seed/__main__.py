"""Command line: generate the demo store's export files, and load any export into Redis.

python -m seed generate --out build/demo_store [--seed 7] [--reference-date 2026-11-24]
python -m seed load build/demo_store [--redis-url redis://127.0.0.1:6379/0]
python -m seed demo [--seed 7]            # both: what `make run` does
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from redis import Redis

from actions.errors import StoreExportError
from actions.keys import Keys
from actions.settings import Settings
from seed.export_files import read_export
from seed.generate import generate, write_export
from seed.knowledge import index_knowledge
from seed.personalisation import prepare_personalisation
from seed.redis_loader import load_store

DEFAULT_SEED = 7
DEFAULT_OUT = Path("build/demo_store")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m seed", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write the demo store's export files")
    gen.add_argument("--out", type=Path, default=DEFAULT_OUT)
    load = sub.add_parser("load", help="validate an export folder and load it into Redis")
    load.add_argument("directory", type=Path)
    demo = sub.add_parser("demo", help="generate the demo store and load it")
    demo.add_argument("--out", type=Path, default=DEFAULT_OUT)
    for command in (gen, demo):
        command.add_argument("--seed", type=int, default=DEFAULT_SEED)
        command.add_argument("--reference-date", type=date.fromisoformat, default=date.today())
    for command in (load, demo):
        command.add_argument("--redis-url", default=None, help="default: REDIS_URL")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if args.command in ("generate", "demo"):
        store = generate(args.seed, args.reference_date)
        write_export(store, args.out)
        print(f"demo store (seed {args.seed}, reference date {args.reference_date}) written to {args.out}")
    directory = args.directory if args.command == "load" else args.out
    if args.command in ("load", "demo"):
        settings = Settings() if args.redis_url is None else Settings(redis_url=args.redis_url)
        try:
            store = read_export(directory)
        except StoreExportError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        redis = Redis.from_url(settings.redis_url)
        keys = Keys(settings.cs_key_prefix)
        report = load_store(redis, keys, store, source=str(directory))
        print(
            f"loaded {report.products} products, {report.articles} articles, "
            f"{report.customers} customers, {report.orders} orders "
            f"(removed {report.removed_orders} stale orders) in {report.seconds:.1f} s; "
            f"version {report.version}"
        )
        index = index_knowledge(redis, keys, store)
        print(
            f"knowledge index: {index.passages} passages, {index.embedded} embedded, "
            f"{index.reused} unchanged, {index.removed} removed in {index.seconds:.1f} s; "
            f"version {index.version}"
        )
        for line in prepare_personalisation(redis, settings.redis_url, keys, store).lines():
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
