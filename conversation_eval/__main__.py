"""python -m conversation_eval: the conversation suite against the live assistant (see README.md).

python -m conversation_eval --start [--category NAME] [-k TEXT] [--verbose]
python -m conversation_eval --rasa-url http://localhost:5005 --redis-url redis://127.0.0.1:6379/0
python -m conversation_eval --check
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

import httpx
from redis import Redis

from actions.keys import Keys
from conversation_eval.report import print_report, print_slowest
from conversation_eval.roles import RoleNotFound, StoreRoles
from conversation_eval.runner import SuiteRunner
from conversation_eval.suite import SuiteError, load_suite
from web.settings import DEMO_RASA_TOKEN

DEFAULT_SUITE = Path(__file__).parent / "suite"
SCRATCH_REDIS_URL = "redis://127.0.0.1:6379/13"
SCRATCH_PORTS = (16005, 16055, 16080)
TURN_TIMEOUT_S = 60.0


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit status 1 when a conversation fails."""
    parser = argparse.ArgumentParser(prog="python -m conversation_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE, help="a suite file or directory")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--start", action="store_true", help=f"start a scratch stack on {SCRATCH_REDIS_URL}")
    target.add_argument("--rasa-url", help="a running Rasa server")
    target.add_argument("--check", action="store_true", help="only validate the suite files")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the running assistant's Redis (to find orders and products by role)",
    )
    parser.add_argument("--rasa-token", default=os.environ.get("RASA_TOKEN", DEMO_RASA_TOKEN))
    parser.add_argument("--category", action="append", help="only this category (repeatable)")
    parser.add_argument("-k", dest="name", help="only conversations whose name contains this")
    parser.add_argument("--verbose", action="store_true", help="print every turn, not only failures")
    parser.add_argument(
        "--slowest", type=int, default=0, help="also list the N slowest turns without the generator"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        suite = load_suite(args.suite)
    except SuiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    items = [
        (category, c) for category, c in suite.items()
        if (not args.category or category in args.category) and (not args.name or args.name in c.name)
    ]  # fmt: skip
    if args.check:
        print(f"{len(items)} conversations in {len({c for c, _ in items})} categories: the suite is valid")
        return 0
    if not args.start and not args.rasa_url:
        parser.error("give --start, --rasa-url or --check")
    with ExitStack() as stack:
        rasa_url, redis_url, token = args.rasa_url, args.redis_url, args.rasa_token
        if args.start:
            from tests.scratch_stack import scratch_stack

            logging.getLogger("stack").setLevel(logging.INFO)
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="conversation-eval-")))
            assistant = stack.enter_context(scratch_stack(SCRATCH_REDIS_URL, "EVAL", SCRATCH_PORTS, data_dir))
            rasa_url, redis_url = assistant.rasa_url, SCRATCH_REDIS_URL
            token = assistant.settings.rasa_token.get_secret_value()
        try:
            roles = StoreRoles.from_redis(
                Redis.from_url(redis_url), Keys(os.environ.get("CS_KEY_PREFIX", "cs"))
            )
        except RoleNotFound as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        client = stack.enter_context(httpx.Client(timeout=TURN_TIMEOUT_S))
        runner = SuiteRunner(client, rasa_url, token, roles)
        results = [runner.run(category, conversation) for category, conversation in items]
    print_report(results, sys.stdout, verbose=args.verbose)
    if args.slowest:
        print_slowest(results, sys.stdout, args.slowest)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
