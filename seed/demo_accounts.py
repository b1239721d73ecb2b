"""Creates the DEMO console accounts (web/accounts/demo.py) for `make run`.

These exist so that a fresh demo can be signed into at once. A real deployment
creates its own accounts with ``python -m jobs.accounts create-user`` and never
loads these (they are only created by the demo stack).
"""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from actions.keys import Keys
from web.accounts.demo import DEMO_ACCOUNTS, DemoAccount
from web.accounts.errors import UserExists
from web.accounts.users import UserStore


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
