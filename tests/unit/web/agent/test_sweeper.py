"""The sweeper: customers who left move to follow-up, stale handoffs close, the queue is trimmed."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from functools import cached_property
from typing import Any

import pytest
from redis.asyncio import Redis

from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import HANDOFF_CLOSED_KEEP_S, Keys
from web.agent.desk import Claim
from web.agent.rasa_api import RasaApi, RasaUnavailable
from web.agent.sweeper import SWEEPER_ACTOR, HandoffRecord, HandoffSweeper, decide, parse_record
from web.services import WebServices
from web.settings import WebSettings

KEYS = Keys("cs")
GONE, STALE = 600.0, 24 * 3600.0
NOW = 1_800_000_000.0


def record(
    status: str | None = "waiting", requested: float | None = NOW - 60, **times: float
) -> HandoffRecord:
    seen = times.get("last_seen")
    return HandoffRecord("c", status, requested, times.get("claimed_at"), seen, str(seen) if seen else "")


@pytest.mark.parametrize(
    ("handoff", "decision"),
    [
        (record(), None),  # asked a minute ago
        (record(requested=NOW - GONE), "follow_up"),  # never checked in since asking ten minutes ago
        (record(requested=NOW - 3600, last_seen=NOW - 30), None),  # the widget is still open
        (record(requested=NOW - 3600, last_seen=NOW - GONE - 1), "follow_up"),  # the tab was closed
        (record("claimed", requested=NOW - 3600, claimed_at=NOW - 3000), None),  # an agent has it
        (record("follow_up", requested=NOW - 3600), None),  # already waiting for an e-mail
        (record("follow_up", requested=NOW - STALE - 5, last_seen=NOW - STALE - 1), "close"),
        (record("claimed", requested=NOW - 2 * STALE, claimed_at=NOW - STALE), "close"),  # forgotten
        (record("waiting", requested=NOW - 2 * STALE, last_seen=NOW - 100), None),  # still there
        (record("closed"), "drop"),
        (record("returned"), "drop"),
        (record(requested=None), "drop"),  # the request expired under its queue entry
        (record(None, requested=None), "drop"),
    ],
)
def test_every_queued_handoff_gets_one_decision(handoff: HandoffRecord, decision: str | None) -> None:
    assert decide(handoff, NOW, GONE, STALE) == decision


# ---- one round against a real Redis ---------------------------------------------------------


class FakeRasa(RasaApi):
    def __init__(self) -> None:
        super().__init__("http://rasa.test", "test-token", 1.0)
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []
        self.down = False

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        if self.down:
            raise RasaUnavailable("Rasa is down (test)")
        self.appended.append((conversation_id, events))


class SweeperServices(WebServices):
    @cached_property
    def rasa(self) -> RasaApi:
        return FakeRasa()


@pytest.fixture
async def services(redis: Redis, redis_url: str) -> AsyncIterator[SweeperServices]:
    settings = WebSettings(redis_url=redis_url, handoff_gone_after_s=GONE, handoff_stale_after_s=STALE)
    async with SweeperServices(settings) as built:
        yield built


async def _queue(redis: Redis, cid: str, at: float, **fields: Any) -> None:
    request = HandoffRequest(conversation_id=cid, reason="customer asked", requested_at=at)
    await HandoffQueue(redis, KEYS).enqueue(request)
    if fields:
        await redis.hset(KEYS.handoff(cid), mapping=fields)


async def _audit(redis: Redis) -> list[tuple[str, str, str]]:
    entries = await redis.xrange(KEYS.audit)
    return [(f[b"actor"].decode(), f[b"action"].decode(), f[b"target"].decode()) for _, f in entries]


@pytest.mark.integration
async def test_one_round_moves_who_left_closes_the_stale_and_trims_the_rest(
    redis: Redis, services: SweeperServices
) -> None:
    now = time.time()
    await _queue(redis, "here", now - 3600, last_seen=now - 10)
    await _queue(redis, "left", now - 3600, last_seen=now - GONE - 5, contact_email="sam@example.net")
    await _queue(redis, "stale", now - STALE - 3600, status="follow_up", last_seen=now - STALE - 60)
    await _queue(redis, "handed-back", now - 100, status="returned")
    await redis.zadd(KEYS.handoff_queue, {"expired": now - 50})  # its record is gone
    await redis.zadd(KEYS.handoff_closed, {"ancient": now - HANDOFF_CLOSED_KEEP_S - 1, "recent": now - 5})

    done = await HandoffSweeper(services).sweep()

    assert done == {"follow_up": 1, "close": 1, "drop": 2}
    left = await redis.hgetall(KEYS.handoff("left"))
    assert left[b"status"] == b"follow_up" and left[b"contact_email"] == b"sam@example.net"
    assert float(left[b"follow_up_at"]) >= now
    assert (await redis.hget(KEYS.handoff("here"), "status")) == b"waiting"
    # The stale one: the bot has it back, it is closed with a note, out of the queue and the inbox.
    rasa = services.rasa
    assert isinstance(rasa, FakeRasa) and [(c, e[0]["event"]) for c, e in rasa.appended] == [
        ("stale", "resume")
    ]
    closing = json.loads(await redis.hget(KEYS.handoff("stale"), "closed"))
    assert closing["agent"] == SWEEPER_ACTOR and "Closed automatically" in closing["note"]
    assert (await redis.hget(KEYS.handoff("stale"), "status")) == b"closed"
    queued = {m.decode() for m in await redis.zrange(KEYS.handoff_queue, 0, -1)}
    assert queued == {"here", "left"}  # follow-up keeps its place: an agent can still claim it
    assert not await redis.zscore(KEYS.handoff_inbox, "stale")
    assert {m.decode() for m in await redis.zrange(KEYS.handoff_closed, 0, -1)} == {"recent", "stale"}
    assert sorted(await _audit(redis)) == [
        (SWEEPER_ACTOR, "handoff.auto_close", "stale"),
        (SWEEPER_ACTOR, "handoff.follow_up", "left"),
    ]
    # A second round finds nothing more to do.
    assert await HandoffSweeper(services).sweep() == {"follow_up": 0, "close": 0, "drop": 0}


@pytest.mark.integration
async def test_a_claim_or_a_return_between_reading_and_moving_wins_and_rasa_down_keeps_it_open(
    redis: Redis, services: SweeperServices
) -> None:
    now = time.time()
    sweeper = HandoffSweeper(services)
    await _queue(redis, "c1", now - 3600, last_seen=now - GONE - 5)
    seen = await redis.hmget(KEYS.handoff("c1"), ["status", "request", "claim", "last_seen"])
    await redis.hset(KEYS.handoff("c1"), "last_seen", now)  # the customer came back meanwhile
    assert not await sweeper._apply("follow_up", parse_record("c1", seen), now)
    assert (await redis.hget(KEYS.handoff("c1"), "status")) == b"waiting"

    await _queue(redis, "c2", now - STALE - 10)
    claim = Claim(agent="sam", display_name="Sam", claimed_at=now - STALE - 5).model_dump_json()
    await redis.hset(KEYS.handoff("c2"), mapping={"status": "claimed", "claim": claim})
    services.rasa.down = True  # type: ignore[attr-defined]
    assert (await sweeper.sweep())["close"] == 0
    assert (await redis.hget(KEYS.handoff("c2"), "status")) == b"claimed"


@pytest.mark.integration
async def test_rounds_of_two_replicas_never_overlap(redis: Redis, services: SweeperServices) -> None:
    first, second = HandoffSweeper(services), HandoffSweeper(services)
    assert await first.take_turn() is True
    assert await second.take_turn() is False
    assert 0 < await redis.pttl(KEYS.handoff_sweeper_lock) <= 60_000
    await second.end_turn()  # not its lock: the first replica's round goes on
    assert await second.take_turn() is False
    await first.end_turn()
    assert await second.take_turn() is True
