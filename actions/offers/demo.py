"""The demo store's offer rules, loaded by the seed."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from actions.keys import Keys
from actions.offers.store import RuleStore
from actions.offers.validation import read_rules_file
from actions.offers.versions import RuleSetVersion

DEMO_RULES_FILE = Path(__file__).with_name("demo_rules.yml")


async def load_demo_rules(
    redis: Redis, keys: Keys, author: str = "seed", *, replace: bool = False
) -> RuleSetVersion | None:
    """Save the demo rules as a new version; returns None when nothing was saved.

    Without ``replace`` the rules are saved only when no rules exist yet: a
    re-seed must not overwrite what marketers have edited since.
    """
    store = RuleStore(redis, keys)
    current = await store.current_version()
    if current and not replace:
        return None
    return await store.save(
        read_rules_file(DEMO_RULES_FILE),
        author,
        expected_version=current,
        note=f"demo rules ({DEMO_RULES_FILE.name})",
    )
