"""Live updates for agent consoles: Rasa's event stream and the audit log, as server-sent events.

The Rasa server's event broker writes every tracker event to ``cs:events``; takeovers
are written to the audit log. One blocking XREAD on both per open console turns them
into two kinds of SSE: ``message`` (a line for an open transcript, only for queued
conversations) and ``queue`` (the queue changed: a handoff, a claim, a hand-back).
A third, ``counts``, carries the size of each inbox view whenever one changed: checked
at every queue change and at least every ``COUNTS_REFRESH_S`` (a sweeper may move a
handoff to follow-up without a queue event).

The console's session is checked again at least every ``SESSION_RECHECK_S`` while the
stream is open (XREAD blocks at most ``BLOCK_MS``): after a sign-out, an idle timeout,
or a change of the account (deleted, role or password changed) the stream sends
``signed_out`` and closes, within ``BLOCK_MS / 1000 + SESSION_RECHECK_S`` seconds (10 s).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

from redis.asyncio import Redis
from redis.typing import KeyT, StreamIdT

from actions.errors import StoreUnavailable
from actions.keys import Keys
from actions.redis_edge import store_call, text
from web.agent.desk import HandoffDesk
from web.agent.transcript import transcript

logger = logging.getLogger(__name__)

BLOCK_MS = 5_000
# How often an open stream asks whether its session still stands (see the module docstring).
SESSION_RECHECK_S = 5.0
# The queue's membership is re-read at least this often, and at every queue change.
QUEUE_REFRESH_S = 1.0
QUEUE_EVENTS = frozenset({"pause", "resume"})
COUNTS_REFRESH_S = 5.0
# XREAD's reply in RESP2, the protocol our clients speak: [[stream, [[entry id, {field: value}]...]]...].
StreamBatch = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]


async def console_events(
    redis: Redis,
    keys: Keys,
    desk: HandoffDesk,
    still_signed_in: Callable[[], Awaitable[bool]],
    counts: Callable[[], Awaitable[dict[str, int]]] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yield sse-starlette event dicts for as long as the console stays open and its session stands.

    Args:
        redis: the live streams' Redis (its timeout allows for the blocking XREAD).
        keys: the project's key names.
        desk: the handoff queue.
        still_signed_in: whether the session that opened the stream is still that of the
            same account, unchanged (``StoreUnavailable`` if Redis does not answer).
        counts: the size of each inbox view for this console's agent (no ``counts`` events if None).

    """
    cursors: dict[KeyT, StreamIdT] = {keys.events: "$", keys.audit: "$"}
    queued, refreshed = await desk.queued(), time.monotonic()
    checked = time.monotonic()
    sent_counts: dict[str, int] | None = None
    counted, counts_due = 0.0, True
    while True:
        if counts is not None and (counts_due or time.monotonic() - counted >= COUNTS_REFRESH_S):
            try:
                now_counts = await counts()
            except StoreUnavailable:
                logger.exception("live console: the inbox counts are unreadable; telling the console")
                yield {"event": "unavailable", "data": "{}"}
                return
            counted, counts_due = time.monotonic(), False
            if now_counts != sent_counts:
                sent_counts = now_counts
                yield {"event": "counts", "data": json.dumps(now_counts)}
        try:
            if time.monotonic() - checked >= SESSION_RECHECK_S:
                if not await still_signed_in():
                    logger.info("live console: the session ended; closing its stream")
                    yield {"event": "signed_out", "data": "{}"}
                    return
                checked = time.monotonic()
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
                        changed = counts_due = True
                        yield {"event": "queue", "data": json.dumps(_queue_change(fields))}
                    continue
                kind, cid = fields.get("type"), fields.get("sender_id", "")
                if kind in QUEUE_EVENTS:
                    changed = counts_due = True
                    yield {"event": "queue", "data": json.dumps({"conversation_id": cid})}
                if changed or time.monotonic() - refreshed > QUEUE_REFRESH_S:
                    queued, refreshed, changed = await desk.queued(), time.monotonic(), False
                if kind in ("user", "bot") and cid in queued:
                    for line in transcript([json.loads(fields.get("event", "{}"))]):
                        yield {
                            "event": "message",
                            "data": json.dumps({"conversation_id": cid, **line.model_dump()}),
                        }


def _queue_change(fields: dict[str, str]) -> dict[str, Any]:
    """A ``queue`` event's data from a ``handoff.*`` audit entry: which conversation, what happened.

    A lead's take-back also names the agent who held it, whose console then says so.
    """
    data: dict[str, Any] = {"conversation_id": fields.get("target"), "action": fields.get("action")}
    if fields.get("action") == "handoff.take_back":
        try:
            data["taken_from"] = json.loads(fields.get("details") or "{}").get("from")
        except json.JSONDecodeError:
            logger.warning("live console: unreadable details of a take-back of %s", fields.get("target"))
    return data
