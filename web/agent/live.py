"""Live updates for agent consoles: Rasa's event stream and the audit log, as server-sent events.

The Rasa server's event broker writes every tracker event to ``cs:events``; takeovers
are written to the audit log. One blocking XREAD on both per open console turns them
into two kinds of SSE: ``message`` (a line for an open transcript, only for queued
conversations) and ``queue`` (the queue changed: a handoff, a claim, a hand-back).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, cast

from redis.asyncio import Redis
from redis.typing import KeyT, StreamIdT

from actions.errors import StoreUnavailable
from actions.keys import Keys
from actions.redis_edge import store_call, text
from web.agent.desk import HandoffDesk
from web.agent.transcript import transcript

logger = logging.getLogger(__name__)

BLOCK_MS = 10_000
# The queue's membership is re-read at least this often, and at every queue change.
QUEUE_REFRESH_S = 1.0
QUEUE_EVENTS = frozenset({"pause", "resume"})
# XREAD's reply in RESP2, the protocol our clients speak: [[stream, [[entry id, {field: value}]...]]...].
StreamBatch = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]


async def console_events(redis: Redis, keys: Keys, desk: HandoffDesk) -> AsyncIterator[dict[str, Any]]:
    """Yield sse-starlette event dicts for as long as the console stays open."""
    cursors: dict[KeyT, StreamIdT] = {keys.events: "$", keys.audit: "$"}
    queued, refreshed = await desk.queued(), time.monotonic()
    while True:
        try:
            with store_call("read the event streams"):
                replies = cast(StreamBatch, await redis.xread(cursors, block=BLOCK_MS, count=200))
        except StoreUnavailable:
            logger.exception("live console: reading the event streams failed; telling the console")
            yield {"event": "unavailable", "data": "{}"}
            return
        changed = False
        for stream, entries in replies or []:
            stream_name = text(stream)
            for entry_id, raw_fields in entries:
                cursors[stream_name] = entry_id
                fields = {text(k): text(v) for k, v in raw_fields.items()}
                if stream_name == keys.audit:
                    if fields.get("action", "").startswith("handoff."):
                        changed = True
                        yield {
                            "event": "queue",
                            "data": json.dumps({"conversation_id": fields.get("target")}),
                        }
                    continue
                kind, cid = fields.get("type"), fields.get("sender_id", "")
                if kind in QUEUE_EVENTS:
                    changed = True
                    yield {"event": "queue", "data": json.dumps({"conversation_id": cid})}
                if changed or time.monotonic() - refreshed > QUEUE_REFRESH_S:
                    queued, refreshed, changed = await desk.queued(), time.monotonic(), False
                if kind in ("user", "bot") and cid in queued:
                    for line in transcript([json.loads(fields.get("event", "{}"))]):
                        yield {
                            "event": "message",
                            "data": json.dumps({"conversation_id": cid, **line.model_dump()}),
                        }
