"""python -m jobs.offers: validate, load, inspect, switch and roll back offer rules.

    python -m jobs.offers validate actions/offers/demo_rules.yml
    python -m jobs.offers load actions/offers/demo_rules.yml --author alice
    python -m jobs.offers list | show ID | export [--version N]
    python -m jobs.offers enable ID | disable ID [--author NAME]
    python -m jobs.offers history [--limit N]
    python -m jobs.offers rollback VERSION --author NAME
    python -m jobs.offers diff [FROM [TO]] | diff --file FILE

Every command but ``validate`` works on the Redis named by ``--redis-url``
(default: REDIS_URL). Problems exit with status 1 and a message naming the field.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from actions.errors import AssistantError, OfferRuleNotFound
from actions.keys import Keys
from actions.offers.diff import diff_rule_sets
from actions.offers.rules import OfferRule
from actions.offers.store import RuleStore
from actions.offers.validation import dump_rules_yaml, read_rules_file
from actions.offers.versions import RuleSetVersion
from jobs.common import async_redis, configure_logging, store_parser


def _parser() -> argparse.ArgumentParser:
    parser = store_parser("jobs.offers", __doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check a rules file without saving it").add_argument(
        "file", type=Path
    )
    load = commands.add_parser("load", help="save a rules file as the new version")
    load.add_argument("file", type=Path)
    load.add_argument("--author", required=True)
    load.add_argument("--note", default="")
    load.add_argument("--expect-version", type=int, default=None, help="refuse if another version is current")
    commands.add_parser("list", help="the rules in force")
    commands.add_parser("show", help="one rule in force, as YAML").add_argument("rule_id")
    export = commands.add_parser("export", help="a whole version as a rules file")
    export.add_argument("--version", type=int, default=None, help="default: the version in force")
    for name in ("enable", "disable"):
        switch = commands.add_parser(name, help=f"{name} a rule (a new version)")
        switch.add_argument("rule_id")
        switch.add_argument("--author", default=getpass.getuser())
    history = commands.add_parser("history", help="the audit log, newest first")
    history.add_argument("--limit", type=int, default=20)
    rollback = commands.add_parser("rollback", help="make an old version current again (a new version)")
    rollback.add_argument("version", type=int)
    rollback.add_argument("--author", required=True)
    diff = commands.add_parser(
        "diff", help="what changed between versions, or between a file and the rules in force"
    )
    diff.add_argument(
        "versions", type=int, nargs="*", help="FROM [TO]; default: the previous and the current"
    )
    diff.add_argument("--file", type=Path, default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "diff" and len(args.versions) > 2:
        parser.error("diff takes at most two versions: FROM [TO]")
    configure_logging()
    try:
        if args.command == "validate":
            rules = read_rules_file(args.file)
            ids = ", ".join(r.id for r in rules.rules)
            print(f"ok: {args.file} holds {len(rules.rules)} valid rules: {ids}")
            return 0
        return asyncio.run(_run(args))
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace) -> int:
    async with async_redis(args.redis_url) as redis:
        return await _command(args, RuleStore(redis, Keys(args.prefix)))


async def _command(args: argparse.Namespace, store: RuleStore) -> int:
    command = args.command
    if command == "load":
        saved = await store.save(
            read_rules_file(args.file),
            args.author,
            expected_version=args.expect_version,
            note=args.note or str(args.file),
        )
        _print_saved(saved, f"loaded {len(saved.rules)} rules from {args.file}")
    elif command == "list":
        version, rules = await store.current_rules()
        print(f"version {version}: {len(rules.rules)} rules")
        for rule in sorted(rules.rules, key=lambda r: (-r.priority, r.id)):
            print(_rule_line(rule))
    elif command == "show":
        _, rules = await store.current_rules()
        found = rules.get(args.rule_id)
        if found is None:
            raise OfferRuleNotFound(f"no offer rule with id '{args.rule_id}'")
        print(dump_rules_yaml([found]), end="")
    elif command == "export":
        version = args.version if args.version is not None else await store.current_version()
        print(
            dump_rules_yaml((await store.get(version)).rule_set) if version else "[]",
            end="" if version else "\n",
        )
    elif command in ("enable", "disable"):
        switch = store.enable if command == "enable" else store.disable
        _print_saved(await switch(args.rule_id, args.author), f"{command}d {args.rule_id}")
    elif command == "history":
        for entry in await store.history(args.limit):
            when = entry.saved_at.strftime("%Y-%m-%d %H:%M:%S %Z")
            note = f" [{entry.note}]" if entry.note else ""
            who = f"{entry.author:<16} {entry.action:<8}"
            print(f"v{entry.version:<4} {when}  {who}{note} {entry.changes.summary()}")
    elif command == "rollback":
        _print_saved(
            await store.rollback(args.version, args.author), f"rolled back to version {args.version}"
        )
    elif command == "diff":
        print(await _diff(args, store))
    return 0


async def _diff(args: argparse.Namespace, store: RuleStore) -> str:
    current, rules = await store.current_rules()
    if args.file is not None:
        return (
            f"version {current} -> {args.file}: {diff_rule_sets(rules, read_rules_file(args.file)).summary()}"
        )
    versions: list[int] = args.versions
    old = versions[0] if versions else max(current - 1, 0)
    new = versions[1] if len(versions) == 2 else current
    return f"version {old} -> {new}: {(await store.diff(old, new)).summary()}"


def _rule_line(rule: OfferRule) -> str:
    caps = []
    if rule.caps.per_customer:
        caps.append(f"{rule.caps.per_customer.max_exposures}/customer/{rule.caps.per_customer.window_days}d")
    if rule.caps.budget:
        caps.append(f"budget {rule.caps.budget.max} {rule.caps.budget.counts}")
    state = "on " if rule.enabled else "off"
    return (
        f"  {state} {rule.priority:>5}  {rule.id:<28} {rule.kind:<16} {len(rule.variants)} variant(s)"
        f"  control {rule.control_share:.0%}  {', '.join(caps) or 'no caps'}"
    )


def _print_saved(saved: RuleSetVersion, what: str) -> None:
    print(f"{what}: version {saved.version} (was {saved.parent}), by {saved.author}")


if __name__ == "__main__":
    sys.exit(main())
