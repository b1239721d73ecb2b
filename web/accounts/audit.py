"""The console audit log: who did what to what, and when, in the ``keys.audit`` stream."""

from __future__ import annotations

import json
import time
from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from actions.keys import AUDIT_STREAM_MAXLEN, Keys
from actions.redis_edge import store_call


async def audit(
    redis: Redis, keys: Keys, actor: str, action: str, target: str, details: dict[str, Any]
) -> None:
    """Append one entry to the audit stream (trimmed to about ``AUDIT_STREAM_MAXLEN``).

    Args:
        redis: the app's Redis.
        keys: the project's key names.
        actor: who acted (a username, or e.g. ``cli:root``).
        action: what they did, ``<subject>.<verb>``, e.g. ``auth.sign_in``, ``handoff.claim``,
            ``offer_rule.save``.
        target: what it was done to (a username, conversation id, rule id...).
        details: anything else worth keeping, stored as JSON.

    Raises:
        StoreUnavailable: Redis did not answer.

    """
    fields: dict[FieldT, EncodableT] = {
        "actor": actor,
        "action": action,
        "target": target,
        "details": json.dumps(details, sort_keys=True, default=str),
        "at": str(int(time.time())),
    }
    with store_call("append to the audit log"):
        await redis.xadd(keys.audit, fields, maxlen=AUDIT_STREAM_MAXLEN, approximate=True)
