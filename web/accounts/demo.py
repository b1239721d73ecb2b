"""The DEMO console accounts: one per role, with published passwords.

The demo stack creates them (seed/demo_accounts.py) so that a fresh demo can be signed
into at once; in production the web app refuses to start while any of them still
opens with its published password.
"""

from __future__ import annotations

from dataclasses import dataclass

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


async def demo_accounts_present(users: UserStore) -> list[str]:
    """The usernames of demo accounts that still sign in with their published password."""
    return [a.username for a in DEMO_ACCOUNTS if await users.authenticate(a.username, a.password) is not None]
