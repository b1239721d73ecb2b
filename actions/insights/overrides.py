"""The marketer's view of topics: read them, rename them, merge them (the console's domain class).

Renames and merges are kept apart from what the topics job writes (``insights_topic_names``
and ``insights_topic_merges``), so the job's next run neither overwrites nor undoes them:
a renamed topic keeps its name while its automatic one follows its words, and a merged
topic keeps its own centroid, so messages like its own keep arriving, and are counted
under the topic it was merged into. Merges can be undone.

Reading folds merged topics into the one they were merged into: sizes and daily counts
are added (distinct conversations are added too, so a conversation on both topics the
same day counts twice), examples are pooled and the best kept.

``forget_conversations`` is what a customer's erasure calls (``actions/privacy/``): their
conversations leave the examples, the waiting messages and the drill-down lists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from redis.asyncio import Redis

from actions.errors import TopicChangeRefused, TopicNotFound, TopicsRunBusy
from actions.insights.models import EmergingFlag, PendingMessage, Topic, TopicExample, WaitingGaps
from actions.keys import INSIGHTS_LOCK_TTL_S, Keys
from actions.redis_edge import members, parse_stored, store_call, text

MAX_NAME_LENGTH = 80
EXAMPLES_SHOWN = 5
GAPS_SHOWN = 10
CONVERSATIONS_SHOWN = 50


@dataclass(frozen=True)
class TopicView:
    """A topic as a marketer sees it, merged topics folded in."""

    id: str
    name: str
    automatic_name: str
    renamed: bool
    words: list[str]
    examples: list[TopicExample]
    size: int
    merged: list[str]
    created_at: datetime
    updated_at: datetime
    # The newest questions the assistant could not (fully) answer, masked, newest first.
    gaps: list[TopicExample] = field(default_factory=list)


@dataclass(frozen=True)
class TopicConversation:
    """A conversation in a topic and the time of its latest message there."""

    conversation_id: str
    last_message_at: datetime


class TopicBoard:
    """Topics for the marketer console; every method is one short Redis round trip or a few."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def _overrides(self) -> tuple[dict[str, str], dict[str, str]]:
        with store_call("read the topic names and merges"):
            names = await self.redis.hgetall(self.keys.insights_topic_names)
            merges = await self.redis.hgetall(self.keys.insights_topic_merges)
        return ({text(k): text(v) for k, v in names.items()}, {text(k): text(v) for k, v in merges.items()})

    async def _all(self) -> dict[str, Topic]:
        with store_call("read the topics"):
            ids = members(await self.redis.zrange(self.keys.insights_topics, 0, -1))
            raw = await self.redis.mget([self.keys.insights_topic(i) for i in ids]) if ids else []
        return {
            i: parse_stored(Topic, r, self.keys.insights_topic(i)) for i, r in zip(ids, raw, strict=True) if r
        }

    async def topics(self) -> list[TopicView]:
        """Every topic not merged away, largest first."""
        topics = await self._all()
        names, merges = await self._overrides()
        groups: dict[str, list[str]] = {}
        for topic_id in topics:
            groups.setdefault(root_of(topic_id, merges), []).append(topic_id)
        views = [_view(topics, root, members, names) for root, members in groups.items() if root in topics]
        return sorted(views, key=lambda view: (-view.size, view.id))

    async def topic(self, topic_id: str) -> TopicView:
        """One topic (a merged-away id gives the topic it was merged into); ``TopicNotFound`` if none."""
        topics = await self._all()
        names, merges = await self._overrides()
        root = root_of(topic_id, merges)
        if root not in topics:
            raise TopicNotFound(f"no topic {topic_id!r}")
        members = [i for i in topics if root_of(i, merges) == root]
        return _view(topics, root, members, names)

    async def daily(self, topic_id: str, metric: str = "messages") -> dict[str, int]:
        """``metric`` per day of a topic and of every topic merged into it."""
        return await self.series(await self.topic(topic_id), metric)

    async def series(self, view: TopicView, metric: str = "messages") -> dict[str, int]:
        """``metric`` per day of a topic already read (a page of many topics reads them once)."""
        return (await self.all_series(view, (metric,)))[metric]

    async def all_series(self, view: TopicView, metrics: tuple[str, ...]) -> dict[str, dict[str, int]]:
        """Each of ``metrics`` per day (oldest first) of a topic already read, in one read per topic."""
        with store_call("read the topic's daily counts"):
            replies = [
                await self.redis.hgetall(self.keys.insights_topic_daily(i)) for i in [view.id, *view.merged]
            ]
        wanted = set(metrics)
        totals: dict[str, dict[str, int]] = {metric: {} for metric in metrics}
        for reply in replies:  # each field read once, whatever the number of metrics
            for raw_field, raw_value in reply.items():
                day, _, metric = text(raw_field).partition(":")
                if metric in wanted:
                    total = totals[metric]
                    total[day] = total.get(day, 0) + int(text(raw_value))
        return {metric: dict(sorted(total.items())) for metric, total in totals.items()}

    async def window(
        self, view: TopicView, days: list[str], series: tuple[str, ...], totals: tuple[str, ...]
    ) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
        """``series`` metrics per day and ``totals`` metrics summed, over ``days``, summed in Redis.

        What the console's pages need of a topic's daily hash, which holds every metric of up
        to 400 days (thousands of fields): reading it whole took seconds per page; this reply
        holds only the figures shown. Merged topics are folded in.
        """
        return (await self.windows([view], days, series, totals))[0]

    async def windows(
        self, views: list[TopicView], days: list[str], series: tuple[str, ...], totals: tuple[str, ...]
    ) -> list[tuple[dict[str, dict[str, int]], dict[str, int]]]:
        """``window`` of each of ``views``, in one round trip."""
        args: list[str | int] = [len(days), len(series), *days, *series, *totals]
        with store_call("read the topics' daily counts"):
            async with self.redis.pipeline(transaction=False) as pipe:
                for view in views:
                    keys = [self.keys.insights_topic_daily(i) for i in [view.id, *view.merged]]
                    pipe.eval(_WINDOW, len(keys), *keys, *args)
                replies = await pipe.execute()
        results = []
        for raw in replies:
            reply = [int(value) for value in raw]
            per_day = {
                metric: {day: reply[n * len(series) + m] for n, day in enumerate(days)}
                for m, metric in enumerate(series)
            }
            results.append((per_day, dict(zip(totals, reply[len(days) * len(series) :], strict=True))))
        return results

    async def conversations(
        self, view: TopicView, limit: int = CONVERSATIONS_SHOWN
    ) -> list[TopicConversation]:
        """The topic's newest conversations (its merged topics' too), newest first, at most ``limit``.

        The job keeps each topic's ``INSIGHTS_TOPIC_CONVERSATIONS_MAX`` newest conversations, for
        as long as conversations are kept, so this is a recent sample, not every conversation.
        """
        latest: dict[str, float] = {}
        with store_call("read the topic's conversations"):
            for topic_id in [view.id, *view.merged]:
                key = self.keys.insights_topic_conversations(topic_id)
                reply = await self.redis.zrevrange(key, 0, limit - 1, withscores=True)
                for member, score in cast(list[tuple[bytes | str, float]], reply):
                    conversation_id = text(member)
                    latest[conversation_id] = max(latest.get(conversation_id, 0.0), float(score))
        newest = sorted(latest.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [TopicConversation(cid, datetime.fromtimestamp(at, UTC)) for cid, at in newest]

    async def rename(self, topic_id: str, name: str | None) -> None:
        """Give a topic the marketer's name; None or blank: back to the automatic name."""
        await self._existing(topic_id)
        with store_call("rename the topic"):
            if name is None or not name.strip():
                await self.redis.hdel(self.keys.insights_topic_names, topic_id)
                return
            cleaned = " ".join(name.split())
            if len(cleaned) > MAX_NAME_LENGTH or not cleaned.isprintable():
                raise TopicChangeRefused(f"name: at most {MAX_NAME_LENGTH} printable characters")
            await self.redis.hset(self.keys.insights_topic_names, topic_id, cleaned)

    async def merge(self, topic_id: str, into: str) -> None:
        """Count ``topic_id`` (and what was merged into it) under ``into``, its past days included."""
        await self._existing(topic_id)
        await self._existing(into)
        _, merges = await self._overrides()
        if root_of(into, merges) == topic_id or topic_id == into:
            raise TopicChangeRefused(f"{into} is {topic_id} or already merged into it")
        with store_call("merge the topics"):
            await self.redis.hset(self.keys.insights_topic_merges, topic_id, into)

    async def unmerge(self, topic_id: str) -> None:
        """Undo a merge: ``topic_id`` is a topic of its own again."""
        with store_call("undo the merge"):
            await self.redis.hdel(self.keys.insights_topic_merges, topic_id)

    async def emerging(self) -> list[EmergingFlag]:
        """The latest run's emerging-topic flags, strongest first."""
        with store_call("read the emerging topics"):
            raw = await self.redis.get(self.keys.insights_emerging)
        if raw is None:
            return []
        from pydantic import TypeAdapter

        return TypeAdapter(list[EmergingFlag]).validate_json(raw)

    async def waiting_gaps(self) -> WaitingGaps:
        """The unanswered questions not in a topic yet, as the latest run left them."""
        with store_call("read the questions waiting for a topic"):
            raw = await self.redis.get(self.keys.insights_waiting_gaps)
        return parse_stored(WaitingGaps, raw, self.keys.insights_waiting_gaps) if raw else WaitingGaps()

    async def _forget_waiting_gaps(self, conversation_ids: set[str]) -> int:
        key = self.keys.insights_waiting_gaps
        raw = await self.redis.get(key)
        if raw is None:
            return 0
        gaps = parse_stored(WaitingGaps, raw, key)
        kept = [e for e in gaps.newest if e.conversation_id not in conversation_ids]
        if len(kept) == len(gaps.newest):
            return 0
        await self.redis.set(key, gaps.model_copy(update={"newest": kept}).model_dump_json(), keepttl=True)
        return len(gaps.newest) - len(kept)

    async def forget_conversations(self, conversation_ids: set[str]) -> int:
        """Remove these conversations from the topics (a customer's erasure); returns what was removed.

        Their examples and unanswered questions leave the topic records (and the list of questions
        waiting for a topic), their waiting messages are dropped and they leave
        the topics' conversation lists. Counters hold no conversation ids and stay. Runs under the
        topics job's lock, so a run cannot write back an example it read before: ``TopicsRunBusy``
        while a run is in progress (retry after it).
        """
        keys = self.keys
        token = f"forget-{time.time():.6f}"
        with store_call("take the topics lock"):
            if not await self.redis.set(keys.insights_lock, token, nx=True, ex=INSIGHTS_LOCK_TTL_S):
                raise TopicsRunBusy(f"a topics run holds {keys.insights_lock}; retry when it ends")
        removed = 0
        try:
            topics = await self._all()
            with store_call("remove conversations from the topics"):
                for topic in topics.values():
                    kept = [e for e in topic.examples if e.conversation_id not in conversation_ids]
                    gaps = [e for e in topic.gaps if e.conversation_id not in conversation_ids]
                    gone_here = len(topic.examples) - len(kept) + len(topic.gaps) - len(gaps)
                    if gone_here:
                        removed += gone_here
                        updated = topic.model_copy(update={"examples": kept, "gaps": gaps})
                        await self.redis.set(keys.insights_topic(topic.id), updated.model_dump_json())
                    removed += int(
                        await self.redis.zrem(keys.insights_topic_conversations(topic.id), *conversation_ids)
                    )
                pending = await self.redis.hgetall(keys.insights_pending)
                gone = [
                    field
                    for field, raw in pending.items()
                    if PendingMessage.model_validate_json(raw).conversation_id in conversation_ids
                ]
                if gone:
                    removed += int(await self.redis.hdel(keys.insights_pending, *gone))
                removed += await self._forget_waiting_gaps(conversation_ids)
        finally:
            with store_call("release the topics lock"):
                if await self.redis.get(keys.insights_lock) in (token, token.encode()):
                    await self.redis.delete(keys.insights_lock)
        return removed

    async def _existing(self, topic_id: str) -> None:
        with store_call("read the topic"):
            found = await self.redis.zscore(self.keys.insights_topics, topic_id)
        if found is None:
            raise TopicNotFound(f"no topic {topic_id!r}")


# KEYS: daily hashes (a topic and those merged into it). ARGV: the number of days n, the number of
# per-day metrics s, the n days, the s per-day metrics, then the metrics to total over the days.
# Returns the per-day values (day-major), then the totals.
_WINDOW = """
local n, s = tonumber(ARGV[1]), tonumber(ARGV[2])
local function value(day, metric)
  local sum = 0
  for _, key in ipairs(KEYS) do
    sum = sum + (tonumber(redis.call('HGET', key, day .. ':' .. metric)) or 0)
  end
  return sum
end
local out = {}
for i = 1, n do
  for j = 1, s do out[#out + 1] = value(ARGV[2 + i], ARGV[2 + n + j]) end
end
for k = 3 + n + s, #ARGV do
  local sum = 0
  for i = 1, n do sum = sum + value(ARGV[2 + i], ARGV[k]) end
  out[#out + 1] = sum
end
return out
"""


def root_of(topic_id: str, merges: dict[str, str]) -> str:
    """Where ``topic_id`` is counted: followed through merges, stopping at a loop."""
    seen = {topic_id}
    while (owner := merges.get(topic_id)) is not None and owner not in seen:
        seen.add(owner)
        topic_id = owner
    return topic_id


def _view(topics: dict[str, Topic], root: str, members: list[str], names: dict[str, str]) -> TopicView:
    main = topics[root]
    merged = sorted(i for i in members if i != root)
    pooled = [example for i in [root, *merged] for example in topics[i].examples]
    best = sorted(pooled, key=lambda example: -example.similarity)[:EXAMPLES_SHOWN]
    gaps = sorted((gap for i in [root, *merged] for gap in topics[i].gaps), key=lambda gap: -gap.timestamp)
    return TopicView(
        id=root,
        name=names.get(root, main.name),
        automatic_name=main.name,
        renamed=root in names,
        words=main.words,
        examples=best,
        size=sum(topics[i].size for i in members),
        merged=merged,
        created_at=main.created_at,
        updated_at=max(topics[i].updated_at for i in members),
        gaps=gaps[:GAPS_SHOWN],
    )
