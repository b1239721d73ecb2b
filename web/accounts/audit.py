"""The console audit log: who did what to what, and when.

Two capped streams, so that anonymous traffic cannot flush the record of what
signed-in people did:

- ``keys.audit`` (about ``AUDIT_STREAM_MAXLEN`` entries): sign-ins and sign-outs,
  account changes, offer rule changes, takeovers, agent replies and reads of a
  customer's data. Only a signed-in user (or an operator's CLI) writes here.
- ``keys.audit_anonymous`` (about ``ANONYMOUS_AUDIT_MAXLEN`` entries): what anyone
  can cause without signing in, failed and locked-out sign-ins. A flood of them
  pushes out only older entries of its own kind.
"""

from __future__ import annotations

import json
import time
from typing import Any

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from actions.keys import ANONYMOUS_AUDIT_MAXLEN, AUDIT_STREAM_MAXLEN, Keys
from actions.redis_edge import store_call


async def audit(
    redis: Redis,
    keys: Keys,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any],
    *,
    anonymous: bool = False,
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
        anonymous: nobody signed in caused it (a failed sign-in): it goes to the anonymous
            stream, trimmed to about ``ANONYMOUS_AUDIT_MAXLEN``.

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
    stream, maxlen = (
        (keys.audit_anonymous, ANONYMOUS_AUDIT_MAXLEN) if anonymous else (keys.audit, AUDIT_STREAM_MAXLEN)
    )
    with store_call("append to the audit log"):
        await redis.xadd(stream, fields, maxlen=maxlen, approximate=True)
