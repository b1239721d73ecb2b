"""python -m jobs.privacy: export or erase one customer's data, and trim the streams by age.

    python -m jobs.privacy export CUSTOMER_ID [--out FILE]
    python -m jobs.privacy erase CUSTOMER_ID [--yes]
    python -m jobs.privacy trim --older-than-days N [--stream NAME ...]

``export`` writes one JSON document with everything held about the customer
(store record and orders, profile, conversations with their trackers, emotion
timelines and handoff records, offer markers, order lookup counters, and their
entries of the event, CSAT, offer-event and audit streams); with ``--out`` the
file is created readable by its owner only. ``erase`` shows what it found and
deletes it only with ``--yes``, then appends one entry to the audit log (an
erasure id and counts, nothing personal). ``trim`` removes stream entries older
than N days. ``docs/privacy.md`` has the details and what erasure cannot reach.

Redis comes from ``--redis-url`` (default: REDIS_URL) and keys use ``--prefix``
(default: CS_KEY_PREFIX, else cs).

Exit status: 0 done; 1 erase without ``--yes`` (nothing erased); 2 bad command
line; 3 Redis unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from pathlib import Path

from redis.asyncio import Redis

from actions.errors import StoreUnavailable
from actions.keys import Keys
from actions.privacy.inventory import (
    CUSTOMER_ID_RULE,
    CustomerData,
    erase_customer,
    export_document,
    find_customer_data,
    valid_customer_id,
)
from actions.privacy.streams import age_trimmed_streams, trim_older_than
from jobs.common import async_redis, configure_logging, store_parser
from web.accounts.audit import audit

EXIT_OK, EXIT_NOT_CONFIRMED, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3
STREAM_NAMES = ("events", "csat", "offer_events", "audit", "audit_anonymous")


def _customer_id(value: str) -> str:
    if not valid_customer_id(value):
        raise argparse.ArgumentTypeError(f"a customer id {CUSTOMER_ID_RULE}")
    return value


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("a number of days") from None
    if not days > 0:
        raise argparse.ArgumentTypeError("must be more than 0 days")
    return days


def _parser() -> argparse.ArgumentParser:
    parser = store_parser("jobs.privacy", __doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="everything held about a customer, as JSON")
    export.add_argument("customer_id", type=_customer_id, metavar="CUSTOMER_ID")
    export.add_argument("--out", type=Path, help="write the JSON here (owner-only) instead of stdout")
    erase = commands.add_parser("erase", help="delete everything held about a customer")
    erase.add_argument("customer_id", type=_customer_id, metavar="CUSTOMER_ID")
    erase.add_argument("--yes", action="store_true", help="erase; without it, only show what would go")
    trim = commands.add_parser("trim", help="remove stream entries older than N days")
    trim.add_argument("--older-than-days", type=_days, required=True, metavar="N")
    trim.add_argument(
        "--stream",
        action="append",
        choices=STREAM_NAMES,
        help="only this stream (repeatable; default: all of them)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    configure_logging()
    try:
        return asyncio.run(_run(args))
    except StoreUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE


async def _run(args: argparse.Namespace) -> int:
    keys = Keys(args.prefix)
    async with async_redis(args.redis_url) as redis:
        if args.command == "export":
            return await _export(redis, keys, args.customer_id, args.out)
        if args.command == "erase":
            return await _erase(redis, keys, args.customer_id, confirmed=args.yes)
        return await _trim(redis, keys, args.older_than_days, args.stream or list(STREAM_NAMES))


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _print_summary(data: CustomerData) -> None:
    for name, count in data.summary().items():
        print(f"  {name:<24} {count}")


async def _export(redis: Redis, keys: Keys, customer_id: str, out: Path | None) -> int:
    data = await find_customer_data(redis, keys, customer_id)
    document = json.dumps(export_document(data), indent=2, ensure_ascii=False, sort_keys=False)
    # A read of a customer's data is audited; the entry names them, so their erasure removes it.
    await audit(redis, keys, _actor(), "customer.export", customer_id, {"summary": data.summary()})
    if not data.found_anything:
        print(f"note: nothing is held about customer {customer_id}", file=sys.stderr)
    if out is None:
        print(document)
        return EXIT_OK
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(document + "\n")
    print(f"exported customer {customer_id} to {out}:")
    _print_summary(data)
    return EXIT_OK


async def _erase(redis: Redis, keys: Keys, customer_id: str, *, confirmed: bool) -> int:
    data = await find_customer_data(redis, keys, customer_id)
    if not confirmed:
        print(f"customer {customer_id}: found")
        _print_summary(data)
        print("nothing erased: run again with --yes to erase all of it")
        return EXIT_NOT_CONFIRMED
    report = await erase_customer(redis, keys, data)
    await audit(redis, keys, _actor(), "customer.erase", f"erasure:{report.erasure_id}", report.details())
    print(f"erased customer {customer_id} (erasure id {report.erasure_id}):")
    _print_summary(data)
    print(f"  keys deleted             {report.keys_deleted}")
    for name, count in report.stream_entries_deleted.items():
        print(f"  {name + ' entries deleted':<24} {count}")
    return EXIT_OK


async def _trim(redis: Redis, keys: Keys, older_than_days: float, names: list[str]) -> int:
    streams = {name: key for name, key in age_trimmed_streams(keys).items() if name in names}
    removed = await trim_older_than(redis, streams, older_than_days)
    for name, count in removed.items():
        print(f"{streams[name]}: {count} entries older than {older_than_days:g} days removed")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
