"""Command line: re-run the segmentation, or assign one customer to the nearest segment.

python -m jobs.segments run [--redis-url URL] [--k-min 3] [--k-max 8] [--seed 7]
python -m jobs.segments assign CUSTOMER_ID [--redis-url URL]

Keys use CS_KEY_PREFIX.
"""

from __future__ import annotations

import asyncio
import sys
import time

from actions.errors import AssistantError
from actions.keys import Keys
from actions.segments.assign import assign_customer
from actions.segments.clustering import DEFAULT_K_RANGE, DEFAULT_SEED
from actions.settings import Settings
from jobs.common import async_redis, sync_redis, tool_parser
from jobs.segmentation import run_segmentation


def _run(settings: Settings, k_min: int, k_max: int, seed: int) -> int:
    started = time.perf_counter()
    with sync_redis(settings.redis_url) as redis:
        report = run_segmentation(redis, Keys(settings.cs_key_prefix), k_range=(k_min, k_max), seed=seed)
    for line in report.lines():
        print(line)
    print(f"segmentation run took {time.perf_counter() - started:.1f} s")
    return 0


async def _assign(settings: Settings, customer_id: str) -> int:
    async with async_redis(settings.redis_url) as redis:
        profile = await assign_customer(redis, Keys(settings.cs_key_prefix), customer_id)
    if profile is None:
        print(f"error: no customer {customer_id!r} in the store", file=sys.stderr)
        return 1
    print(f"customer {profile.customer_id}: segment {profile.segment_id} ({profile.segment_label})")
    print(f"top categories: {', '.join(profile.top_categories) or '-'}")
    print(profile.features.model_dump_json(indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = tool_parser("jobs.segments", __doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="segment every customer and store profiles, segments and the model")
    run.add_argument("--k-min", type=int, default=DEFAULT_K_RANGE[0])
    run.add_argument("--k-max", type=int, default=DEFAULT_K_RANGE[1])
    run.add_argument("--seed", type=int, default=DEFAULT_SEED)
    assign = sub.add_parser("assign", help="assign one customer to the nearest segment and store the profile")
    assign.add_argument("customer_id")
    for command in (run, assign):
        command.add_argument("--redis-url", default=None, help="default: REDIS_URL")
    args = parser.parse_args(argv)
    settings = Settings() if args.redis_url is None else Settings(redis_url=args.redis_url)
    try:
        if args.command == "run":
            return _run(settings, args.k_min, args.k_max, args.seed)
        return asyncio.run(_assign(settings, args.customer_id))
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
