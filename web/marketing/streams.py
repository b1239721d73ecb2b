"""Counts a period of a Redis stream inside Redis, in chunks, grouped by fields and time bucket.

Why a script: redis-py parses replies in Python (no hiredis), about 10,000 offer
events a second on the demo machine, and the offer events stream keeps up to
250,000 (the tracker events stream 500,000, each with a JSON body). The script
reads ``CHUNK`` entries at a time with XRANGE and sends back only counts, so one
call blocks Redis for a few milliseconds and the reply stays small whatever the
period.

Entries are chosen by entry id (the time Redis appended them); the bucket comes
from a time field of the entry (``ts``, ``at``) or, without one, from the id.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis

from actions.redis_edge import store_call, text
from web.marketing.timerange import TimeRange

# Entries per script call: about 10 ms of Redis time each on the demo machine (measured
# 25 ms for 5,000 tracker events), short enough not to hold up the assistant's own calls.
CHUNK = 2000
# Joins the parts of a count's key: the ASCII unit separator appears in no id.
SEPARATOR = "\x1f"

# KEYS[1]: the stream. ARGV: min id, max id, count, period start (s), period end (s),
# first bucket start (s), bucket width (s), filter field ('' none), filter value,
# time field ('' the entry id), then the fields to group by.
# Returns {last id read, entries read, entries lacking a field, key, count, key, count...}
# where key is the group fields' values and the bucket index joined by SEPARATOR.
_COUNT_SCRIPT = """
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[2], 'COUNT', tonumber(ARGV[3]))
local first_s, end_s = tonumber(ARGV[4]), tonumber(ARGV[5])
local origin, width = tonumber(ARGV[6]), tonumber(ARGV[7])
local filter_field, filter_value, time_field = ARGV[8], ARGV[9], ARGV[10]
local counts, order, malformed, last = {}, {}, 0, ''
for _, entry in ipairs(entries) do
  last = entry[1]
  local fields, raw = {}, entry[2]
  for i = 1, #raw, 2 do fields[raw[i]] = raw[i + 1] end
  if filter_field == '' or fields[filter_field] == filter_value then
    local at
    if time_field == '' then
      at = tonumber(string.match(last, '^(%d+)')) / 1000
    else
      at = tonumber(fields[time_field])
    end
    local parts, ok = {}, at ~= nil
    for i = 11, #ARGV do
      local value = fields[ARGV[i]]
      if value == nil then ok = false break end
      parts[#parts + 1] = value
    end
    if not ok then
      malformed = malformed + 1
    elseif at >= first_s and at < end_s then
      parts[#parts + 1] = tostring(math.floor((at - origin) / width))
      local key = table.concat(parts, '\\31')
      if counts[key] == nil then order[#order + 1] = key; counts[key] = 0 end
      counts[key] = counts[key] + 1
    end
  end
end
local reply = {last, #entries, malformed}
for _, key in ipairs(order) do reply[#reply + 1] = key; reply[#reply + 1] = counts[key] end
return reply
"""


@dataclass
class StreamCounts:
    """Entries of a period, counted by (group field values..., bucket index)."""

    counts: Counter[tuple[str, ...]] = field(default_factory=Counter)
    scanned: int = 0
    malformed: int = 0


async def count_entries(
    redis: Redis,
    key: str,
    period: TimeRange,
    group_by: tuple[str, ...],
    *,
    time_field: str = "",
    where: tuple[str, str] | None = None,
    chunk: int = CHUNK,
) -> StreamCounts:
    """Count the entries appended during ``period``, grouped by ``group_by`` fields and bucket.

    Args:
        redis: the app's Redis.
        key: the stream.
        period: which entries (by entry id) and which buckets (by ``time_field``).
        group_by: fields whose values make the key of a count; an entry lacking one is malformed.
        time_field: the field holding the entry's Unix time in seconds; '' uses the entry id.
        where: ``(field, value)``: count only entries whose field has that value.
        chunk: entries read per script call.

    Raises:
        StoreUnavailable: Redis did not answer.

    """
    script = redis.register_script(_COUNT_SCRIPT)
    where_field, where_value = where or ("", "")
    fixed: list[str | int] = [
        chunk,
        repr(period.start.timestamp()),
        repr(period.end.timestamp()),
        repr(period.first_bucket.timestamp()),
        int(period.step.total_seconds()),
        where_field,
        where_value,
        time_field,
        *group_by,
    ]
    result = StreamCounts()
    low, high = str(period.start_ms), str(period.end_ms - 1)
    while True:
        with store_call(f"read the stream {key}"):
            reply = cast(list[Any], await script(keys=[key], args=[low, high, *fixed]))
        last, read, malformed = text(reply[0]), int(reply[1]), int(reply[2])
        result.scanned += read
        result.malformed += malformed
        pairs = reply[3:]
        for index in range(0, len(pairs), 2):
            result.counts[tuple(text(pairs[index]).split(SEPARATOR))] += int(pairs[index + 1])
        if read < chunk:
            return result
        low = "(" + last  # exclusive: continue after the last entry read
