"""Rasa trackers for the demo history's conversations, so the agent console shows their transcripts.

The console reads a conversation through Rasa's HTTP API (``web/agent/rasa_api.py``),
which reads the tracker store: Rasa 3.6's ``RedisTrackerStore`` (``bot/endpoints.yml``,
``rasa_addons/tracker_store.py``) keeps each conversation under ``Keys.tracker`` as the
JSON of ``Dialogue.as_dict()`` (``{"events": [...], "name": sender_id}``), for
``record_exp`` (``TRACKER_TTL_S``) after its last save. The events are the very dicts the
writer put in the ``events`` stream, less the broker's ``sender_id``, in time order: the
transcript an agent reads is the one the insights count. A conversation whose tracker
would have expired by now is not written, as it would not be there in the live product.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from redis import Redis

from actions.keys import TRACKER_TTL_S, Keys


def tracker_json(sender_id: str, events: list[dict[str, object]]) -> str:
    """What ``RedisTrackerStore.serialise_tracker`` writes for these events (sorted by time)."""
    ordered = sorted(events, key=lambda e: float(str(e["timestamp"])))
    return json.dumps({"events": ordered, "name": sender_id})


def write_trackers(
    redis: Redis, keys: Keys, events: Mapping[str, list[dict[str, object]]], now: float
) -> int:
    """Each conversation's tracker with what is left of its lifetime; how many were written."""
    written = 0
    pipe = redis.pipeline(transaction=False)
    for sender_id, conversation_events in events.items():
        last = max(float(str(e["timestamp"])) for e in conversation_events)
        ttl = int(last + TRACKER_TTL_S - now)
        if ttl <= 0:
            continue  # expired by now in the live product too
        pipe.set(keys.tracker(sender_id), tracker_json(sender_id, conversation_events), ex=ttl)
        written += 1
    pipe.execute()
    return written
