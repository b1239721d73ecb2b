"""DEMO console accounts for `make run`: one per role, with published passwords.

These exist so that a fresh demo can be signed into at once. A real deployment
creates its own accounts with ``python -m web.accounts create-user`` and never
loads these (they are only created by the demo stack).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis

from actions.keys import Keys
from web.accounts.errors import UserExists
from web.accounts.users import UserStore


@dataclass(frozen=True)
class DemoAccount:
    """A DEMO account: its password is in this file and the README."""

    username: str
    display_name: str
    role: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount("agent", "Alex Agent", "agent", "demo-agent-password"),
    DemoAccount("marketer", "Morgan Marketer", "marketer", "demo-marketer-password"),
    DemoAccount("admin", "Ada Admin", "admin", "demo-admin-password"),
)


async def _ensure(redis_url: str, keys: Keys) -> list[DemoAccount]:
    redis = Redis.from_url(redis_url)
    created = []
    try:
        users = UserStore(redis, keys)
        for account in DEMO_ACCOUNTS:
            try:
                await users.create(account.username, account.display_name, account.role, account.password)
                created.append(account)
            except UserExists:
                continue  # kept as it is: its password may have been changed on purpose
    finally:
        await redis.aclose()
    return created


def ensure_demo_accounts(redis_url: str, keys: Keys) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; returns those created."""
    return asyncio.run(_ensure(redis_url, keys))
