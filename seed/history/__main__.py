"""Command line: load the simulated demo history into a demo store's Redis, then place it in topics.

python -m seed.history [--redis-url URL] [--prefix cs] [--days 42] [--seed 7] [--topics]

Refused in production mode (``CS_ENV=production``) and when no store is loaded; skipped
when a history is already loaded. ``--topics`` runs the topics job once afterwards (the
stack's periodic job would otherwise pick the history up on its next run).
"""

from __future__ import annotations

import sys

from actions.errors import AssistantError
from actions.keys import Keys
from actions.settings import Settings
from jobs.common import configure_logging, store_parser
from seed.history.loader import DEFAULT_DAYS, DEFAULT_SEED, HistoryOptions, load_history


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = store_parser("seed.history", __doc__)
    parser.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help=f"days of history (default {DEFAULT_DAYS})"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    parser.add_argument("--topics", action="store_true", help="run the topics job once afterwards")
    args = parser.parse_args(argv)
    configure_logging()
    settings = Settings(redis_url=args.redis_url)
    try:
        report = load_history(
            args.redis_url, Keys(args.prefix), settings.cs_env, HistoryOptions(args.days, args.seed)
        )
    except (AssistantError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    if args.topics:
        from jobs.topics import main as topics

        return topics(["run", "--redis-url", args.redis_url, "--prefix", args.prefix])
    return 0


if __name__ == "__main__":
    sys.exit(main())
