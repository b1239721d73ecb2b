"""python -m jobs.accounts: manage console accounts.

    python -m jobs.accounts create-user USERNAME --role agent --name "Sam Lee"
    python -m jobs.accounts list-users
    python -m jobs.accounts set-password USERNAME
    python -m jobs.accounts delete-user USERNAME
    python -m jobs.accounts canned-manager USERNAME --allow|--deny

Passwords are asked twice on the terminal, or read from the environment variable
named by ``--password-env``, or from one line of standard input with
``--password-stdin``; never from the command line, where ``ps`` would show them.
Redis comes from ``--redis-url`` (default: REDIS_URL, else redis://127.0.0.1:6379/0)
and keys use ``--prefix`` (default: CS_KEY_PREFIX, else cs).

Exit status: 0 done; 1 the account or input is wrong (the message names the field);
2 bad command line; 3 Redis unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from redis.asyncio import Redis

from actions.errors import AssistantError, StoreUnavailable
from actions.keys import Keys
from jobs.common import async_redis, configure_logging, store_parser
from web.accounts.audit import audit
from web.accounts.errors import AccountInvalid
from web.accounts.models import ROLES, check_password, new_user
from web.accounts.users import UserStore

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = store_parser("jobs.accounts", __doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="add a console account")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True, help="display name shown to customers and colleagues")
    _password_options(create)
    commands.add_parser("list-users", help="every console account")
    password = commands.add_parser("set-password", help="replace a password (ends the user's sessions)")
    password.add_argument("username")
    _password_options(password)
    commands.add_parser("delete-user", help="remove a console account").add_argument("username")
    canned = commands.add_parser("canned-manager", help="let an agent manage canned replies, or stop them")
    canned.add_argument("username")
    choice = canned.add_mutually_exclusive_group(required=True)
    choice.add_argument("--allow", action="store_true", help="may create, edit and delete canned replies")
    choice.add_argument("--deny", action="store_true", help="may only use them")
    return parser


def _password_options(command: argparse.ArgumentParser) -> None:
    source = command.add_mutually_exclusive_group()
    source.add_argument(
        "--password-env", metavar="VAR", help="read the password from environment variable VAR"
    )
    source.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    configure_logging()
    try:
        if args.command == "create-user":
            # Name the wrong field before anyone types a password.
            new_user(args.username, args.name, args.role)
        password = _password(args) if args.command in ("create-user", "set-password") else ""
        return asyncio.run(_run(args, password))
    except StoreUnavailable as error:
        print(f"error: {error} at {args.redis_url}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID


def _password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            raise AccountInvalid([f"password: environment variable {args.password_env} is not set"])
        return check_password(value)
    if args.password_stdin:
        return check_password(sys.stdin.readline().rstrip("\r\n"))
    first = check_password(getpass.getpass("Password: "))
    if getpass.getpass("Password again: ") != first:
        raise AccountInvalid(["password: the two entries do not match"])
    return first


async def _run(args: argparse.Namespace, password: str) -> int:
    async with async_redis(args.redis_url) as redis:
        await _command(args, password, redis, Keys(args.prefix))
    return EXIT_OK


async def _command(args: argparse.Namespace, password: str, redis: Redis, keys: Keys) -> None:
    actor = f"cli:{getpass.getuser()}"
    users = UserStore(redis, keys)
    if args.command == "create-user":
        user = await users.create(args.username, args.name, args.role, password)
        await audit(redis, keys, actor, "account.create", user.username, {"role": user.role})
        print(f"created {user.role} '{user.username}' ({user.display_name})")
    elif args.command == "list-users":
        accounts = await users.all()
        for account in accounts:
            created = account.created_at.strftime("%Y-%m-%d")
            canned = " (manages canned replies)" if account.can_manage_canned else ""
            print(f"{account.username:<40} {account.role:<9} {created}  {account.display_name}{canned}")
        print(f"{len(accounts)} user(s)")
    elif args.command == "set-password":
        await users.set_password(args.username, password)
        await audit(redis, keys, actor, "account.set_password", args.username, {})
        print(f"password of '{args.username}' changed; their sessions have ended")
    elif args.command == "canned-manager":
        await users.set_canned_manager(args.username, args.allow)
        await audit(redis, keys, actor, "account.canned_manager", args.username, {"allowed": args.allow})
        print(f"'{args.username}' {'may' if args.allow else 'may no longer'} manage canned replies")
    elif args.command == "delete-user":
        await users.delete(args.username)
        await audit(redis, keys, actor, "account.delete", args.username, {})
        print(f"deleted '{args.username}'")


if __name__ == "__main__":
    sys.exit(main())
