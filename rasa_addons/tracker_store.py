"""Rasa's Redis tracker store with socket timeouts, and a save that reads the stored tracker once.

Stock ``RedisTrackerStore`` builds its client without timeouts, so a Redis that
accepts connections and never answers holds a Rasa worker for as long as the
kernel keeps the socket open. With ``socket_timeout`` (bot/endpoints.yml) such a
turn fails within seconds, the failure is logged, and the worker serves others.

Stock ``save`` reads and rebuilds the stored tracker twice (once to find the new events
for the event broker, once to merge the sessions it did not load) and serialises every
event again: a third of the Rasa server's time on a simple turn went to the tracker
store (benchmarks/README.md). A turn saves the very tracker object it retrieved, with
events appended (the lock store keeps other turns of the conversation out meanwhile).
So when the stored text is still the one that object was read from, the new events are
the ones past the count read, and the stored text with their dicts appended is what
stock ``save`` would write (its merge puts the earlier sessions, which ``retrieve`` leaves
out, before the loaded one, and adds the events the stored text does not have). Anything
else (another process wrote in between, a tracker built elsewhere) takes Rasa's own merge,
except that the events sent to the broker are always the ones this turn added (stock Rasa
counts from what is stored by then, and so drops as many of this turn's events as another
writer added). Whether the stored text is still the one read is decided inside Redis (a
script compares its SHA-1 and writes), so a save is one round trip and does not fetch the
whole conversation again.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import redis
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

from rasa_addons import metrics

SOCKET_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 2.0
# Trackers read and not (yet) saved, per process: reads with no save (HTTP API GETs) age out.
MAX_REMEMBERED_READS = 10_000

# KEYS[1] the tracker; ARGV the SHA-1 of the text it was read from, the new text, its expiry
# in seconds (0: none). Writes only if the stored text is still the one read; 1 if written.
_SET_IF_UNCHANGED = """
local stored = redis.call('GET', KEYS[1])
if not stored or redis.sha1hex(stored) ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
"""


@dataclass(frozen=True)
class _Read:
    """What a retrieved tracker object was built from."""

    stored: str
    events: int
    tracker: weakref.ref[DialogueStateTracker]

    def grown_into(self, tracker: DialogueStateTracker) -> bool:
        """Whether ``tracker`` is the object read, holding at least the events it was read with."""
        return len(tracker.events) >= self.events and self.tracker() is tracker


class TimedRedisTrackerStore(RedisTrackerStore):
    """``RedisTrackerStore`` whose client gives up on a silent Redis; everything else is Rasa's."""

    def __init__(
        self,
        domain: Domain,
        host: str = "localhost",
        port: int = 6379,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        event_broker: EventBroker | None = None,
        socket_timeout: float = SOCKET_TIMEOUT_S,
        socket_connect_timeout: float = CONNECT_TIMEOUT_S,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, host, port, db, username, password, event_broker, **kwargs)
        self.red = redis.StrictRedis(
            host=host,
            port=int(port),
            db=int(db),
            username=username,
            password=password or None,
            ssl=bool(kwargs.get("use_ssl", False)),
            ssl_keyfile=kwargs.get("ssl_keyfile"),
            ssl_certfile=kwargs.get("ssl_certfile"),
            ssl_ca_certs=kwargs.get("ssl_ca_certs"),
            decode_responses=True,
            socket_timeout=float(socket_timeout),
            socket_connect_timeout=float(socket_connect_timeout),
        )
        self._reads: OrderedDict[str, _Read] = OrderedDict()
        self._set_if_unchanged = self.red.register_script(_SET_IF_UNCHANGED)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's retrieve, remembering what the tracker it returns was read from."""
        stored = self.red.get(self.key_prefix + sender_id)
        if stored is None:
            return None
        full = self.deserialise_tracker(sender_id, stored)
        if full is None:
            return None
        # Only the last session, as Rasa returns it: what precedes it is in the stored text.
        sessions = [full] if fetch_all_sessions else get_trackers_for_conversation_sessions(full)
        tracker = sessions[-1] if len(sessions) > 1 else full
        self._remember(sender_id, _Read(stored, len(tracker.events), weakref.ref(tracker)))
        return tracker

    def _remember(self, sender_id: str, read: _Read) -> None:
        self._reads[sender_id] = read
        self._reads.move_to_end(sender_id)
        while len(self._reads) > MAX_REMEMBERED_READS:
            self._reads.popitem(last=False)

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        """Rasa's save; with one read and only the new events serialised when the tracker allows it."""
        read = self._reads.pop(tracker.sender_id, None)
        if read is None or not read.grown_into(tracker):
            await super().save(tracker, timeout)
            metrics.tracker_saved("rasa")
            return
        new_events = list(tracker.events)[read.events :]
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        key, expiry = self.key_prefix + tracker.sender_id, timeout or self.record_exp
        dialogue = json.loads(read.stored)
        dialogue["events"] += [event.as_dict() for event in new_events]
        written = json.dumps(dialogue)
        # One round trip, and the stored text is not sent back: Redis compares its digest.
        digest = hashlib.sha1(read.stored.encode()).hexdigest()
        if self._set_if_unchanged(keys=[key], args=[digest, written, int(expiry or 0)]):
            # The same object saved again later in the turn appends from here.
            self._remember(tracker.sender_id, _Read(written, len(tracker.events), read.tracker))
            metrics.tracker_saved("appended")
            return
        # Another process wrote meanwhile (or the tracker expired): Rasa's merge, as its save does.
        stored = self.red.get(key)
        prior = self.deserialise_tracker(tracker.sender_id, stored) if stored is not None else None
        merged = self._merge_trackers(prior, tracker) if prior is not None else tracker
        self.red.set(key, self.serialise_tracker(merged), ex=expiry)
        metrics.tracker_saved("merged")
