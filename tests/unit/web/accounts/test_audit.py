from __future__ import annotations

import json
import time

from redis import Redis as SyncRedis
from redis.asyncio import Redis

from actions.keys import Keys
from tests.unit.web.accounts.tiny_app import audit_entries
from web.accounts.audit import audit


async def test_audit_appends_who_what_target_details_and_when(
    redis: Redis, keys: Keys, sync_redis: SyncRedis
) -> None:
    before = int(time.time())
    await audit(redis, keys, "mia", "offer_rule.save", "apology-voucher", {"version": 3})
    [entry] = audit_entries(sync_redis)
    assert (
        entry["actor"] == "mia"
        and entry["action"] == "offer_rule.save"
        and entry["target"] == "apology-voucher"
    )
    assert json.loads(entry["details"]) == {"version": 3}
    assert before <= int(entry["at"]) <= int(time.time())
