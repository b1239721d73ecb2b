"""Command line: purchases after offers, per rule, segment and arm, for the uplift in the offer results.

python -m jobs.offer_outcomes [--redis-url URL] [--prefix cs] run [--every SECONDS] [--window-days 7]

``run`` recomputes every rule's outcomes from the offer event stream and the customers'
orders and stores them (``actions/offers/outcomes.py``; definition in docs/offers.md,
"Uplift against the control group"); ``--every``: again every SECONDS. Re-running never
counts anyone twice: each run starts from the stream again. The stack runs it beside
the topics job (``stack/assistant.py``); the marketer console reads what it stored.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from actions.errors import AssistantError
from actions.keys import Keys
from actions.offers.attribution import ATTRIBUTION_DAYS
from actions.offers.outcomes import compute_outcomes
from jobs.common import async_redis, configure_logging, store_parser

logger = logging.getLogger(__name__)


async def _run(url: str, keys: Keys, every: float, window_days: int) -> int:
    async with async_redis(url) as redis:
        while True:
            try:
                report = await compute_outcomes(redis, keys, window_days=window_days)
                for line in report.lines():
                    print(line, flush=True)
            except AssistantError as error:
                if not every:
                    raise
                # A periodic job outlives a Redis hiccup: the next round tries again.
                logger.warning("offer outcomes not computed this round: %s", error)
            if not every:
                return 0
            await asyncio.sleep(every)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = store_parser("jobs.offer_outcomes", __doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="recompute and store every rule's purchases after offers")
    run.add_argument("--every", type=float, default=0.0, help="repeat every SECONDS (default: once)")
    run.add_argument("--window-days", type=int, default=ATTRIBUTION_DAYS, help=f"default {ATTRIBUTION_DAYS}")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        return asyncio.run(_run(args.redis_url, Keys(args.prefix), args.every, args.window_days))
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
