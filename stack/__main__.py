"""`python -m stack run`: the whole assistant with the demo store, until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any

from pydantic import ValidationError

from seed.demo_accounts import DEMO_ACCOUNTS
from stack.assistant import Assistant
from stack.config import DEMO_RASA_TOKEN, StackSettings
from stack.processes import ProcessFailed
from stack.redis_server import RedisNotAvailable

# What `make run` loads and how often it refreshes topics (docs/insights.md).
DEMO_HISTORY_DAYS = 42
TOPICS_EVERY_S = 900.0


def main(argv: list[str] | None = None) -> int:
    """Start everything, print the URLs, stop everything on Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m stack")
    parser.add_argument("command", choices=["run"])
    parser.add_argument(
        "--replicas",
        type=int,
        default=None,
        help="Rasa server and action-server replicas behind an nginx balancer (default: REPLICAS or 1)",
    )
    parser.add_argument(
        "--demo-history-days",
        type=int,
        default=None,
        help=f"days of simulated history loaded once in demo mode, 0 for none "
        f"(default: DEMO_HISTORY_DAYS, else {DEMO_HISTORY_DAYS} in demo mode)",
    )
    parser.add_argument(
        "--topics-every",
        type=float,
        default=None,
        help=f"run the topics job every SECONDS, 0 for never (default: TOPICS_EVERY_S or {TOPICS_EVERY_S:g})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        settings = StackSettings(**_overrides(args))
    except ValidationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    assistant = Assistant(settings)
    try:
        assistant.start()  # Ctrl-C here raises KeyboardInterrupt and stops what started
    except (ProcessFailed, RedisNotAvailable, FileNotFoundError) as error:
        assistant.stop()
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BaseException:
        assistant.stop()
        raise
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if settings.rasa_token.get_secret_value() == DEMO_RASA_TOKEN:
        print("note: using the DEMO Rasa API token; set RASA_TOKEN for anything but a demo")
    accounts = ", ".join(f"{a.username} / {a.password}" for a in DEMO_ACCOUNTS)
    print(
        "\nBrightcart assistant is running:\n"
        f"  demo store     {assistant.web_url}/  "
        "(the chat widget; ?customer=C10001 signs a demo customer in)\n"
        f"  consoles       {assistant.web_url}/console  (DEMO accounts: {accounts})\n"
        f"  Rasa server    {assistant.rasa_url}  (REST: POST /webhooks/rest/webhook)\n"
        f"  action server  {assistant.action_url}\n"
        f"{_replicas_line(assistant)}"
        f"{_topics_line(settings)}"
        f"  logs           {settings.log_dir}\n"
        "A server that crashes is restarted (docs/deploy.md). Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        # The supervisor restarts the three servers (or logs that it gave up on one, and the
        # rest keep serving); only a process it does not watch, our own Redis, ends the run.
        while not stop.wait(1.0):
            dead = assistant.exited_for_good()
            if dead:
                print(f"error: {', '.join(dead)} stopped; see {settings.log_dir}", file=sys.stderr)
                return 1
    finally:
        print("stopping...", flush=True)
        assistant.stop()
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The command's options, and its defaults for what the environment does not set.

    The stack's settings leave the demo history and the topics job off (test stacks start
    without them); the command a person runs, ``make run``, turns both on.
    """
    overrides: dict[str, Any] = {}
    if args.replicas is not None:
        overrides["replicas"] = args.replicas
    if args.demo_history_days is not None:
        overrides["demo_history_days"] = args.demo_history_days
    elif "DEMO_HISTORY_DAYS" not in os.environ and os.environ.get("CS_ENV", "demo") == "demo":
        overrides["demo_history_days"] = DEMO_HISTORY_DAYS
    if args.topics_every is not None:
        overrides["topics_every_s"] = args.topics_every
    elif "TOPICS_EVERY_S" not in os.environ:
        overrides["topics_every_s"] = TOPICS_EVERY_S
    return overrides


def _topics_line(settings: StackSettings) -> str:
    if not settings.topics_every_s:
        return ""
    return f"  topics job     every {settings.topics_every_s:g} s  (log {settings.log_dir / 'topics.log'})\n"


def _replicas_line(assistant: Assistant) -> str:
    settings = assistant.settings
    if not settings.scaled_out:
        return ""
    return (
        f"  replicas       {settings.replicas} x Rasa (ports "
        f"{', '.join(map(str, settings.rasa_replica_ports))}, {settings.sanic_workers} worker each) and "
        f"{settings.replicas} x action server (ports {', '.join(map(str, settings.action_replica_ports))}, "
        f"{settings.action_workers} worker each) behind nginx on the two ports above\n"
    )


if __name__ == "__main__":
    sys.exit(main())
