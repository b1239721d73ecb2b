"""The waiting customer's banner: place in the queue, expected wait, presence and the contact e-mail."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from actions.handoff.board import WaitingBoard, mask_email
from actions.handoff.hours import SupportHours, SupportWindow
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.handoff.waiting import (
    MIN_SAMPLES,
    AuditEntry,
    Workload,
    expected_wait_minutes,
    workload_from_audit,
)
from actions.keys import Keys
from actions.store.repository import StoreRepository
from rasa_addons.conversation_ids import DEMO_CONVERSATION_SECRET, ConversationTickets
from seed.generate import POLICY
from web.settings import WebSettings
from web.waiting import refresh_after, ticket_valid, waiting_routes

KEYS = Keys("cs")
NOW = 1_800_000_000.0


def _takeover(
    agent: str, cid: str, start: float, minutes: float, end: str = "handoff.close"
) -> list[AuditEntry]:
    return [AuditEntry(agent, "handoff.claim", cid, start), AuditEntry(agent, end, cid, start + minutes * 60)]


def test_handle_times_pair_each_claim_with_the_close_or_hand_back_that_ended_it() -> None:
    entries = [
        *_takeover("sam", "a", NOW - 3600, 4),
        *_takeover("kim", "b", NOW - 3000, 10, "handoff.handback"),
        AuditEntry("sam", "handoff.claim", "c", NOW - 60),  # still with sam: no handle time yet
        AuditEntry("kim", "handoff.close", "never-claimed", NOW - 50),
        AuditEntry("old", "handoff.claim", "d", NOW - 9 * 24 * 3600),
        AuditEntry("old", "handoff.close", "d", NOW - 8 * 24 * 3600),  # older than the window
        AuditEntry("mia", "offer_rule.save", "r1", NOW - 10),  # not queue work
    ]
    workload = workload_from_audit(reversed(entries), NOW)
    assert sorted(workload.handle_times_s) == [240.0, 600.0]
    # Online: who worked the queue in the last 30 minutes (sam claimed c, kim closed something).
    assert workload.agents_online == 2


def test_expected_wait_is_position_times_median_handle_time_over_agents_online() -> None:
    workload = Workload(handle_times_s=(240.0, 360.0, 480.0), agents_online=2)  # median 6 min
    assert expected_wait_minutes(1, workload) == 3
    assert expected_wait_minutes(3, workload) == 9
    assert expected_wait_minutes(4, workload) == 15  # 12 min, rounded up to 5 past ten
    assert expected_wait_minutes(1, Workload((1.0, 2.0, 3.0), 1)) == 1  # never "about 0 minutes"


def test_without_enough_history_or_anyone_online_there_is_no_figure() -> None:
    few = Workload(handle_times_s=(300.0,) * (MIN_SAMPLES - 1), agents_online=1)
    assert few.median_handle_s is None and expected_wait_minutes(1, few) is None
    assert expected_wait_minutes(1, Workload((300.0,) * MIN_SAMPLES, 0)) is None
    assert expected_wait_minutes(0, Workload((300.0,) * MIN_SAMPLES, 1)) is None
    # Longer than the cap (4 h): plain words rather than a figure nobody believes.
    assert expected_wait_minutes(100, Workload((600.0,) * MIN_SAMPLES, 1)) is None


def test_the_web_app_accepts_exactly_the_tickets_the_rasa_server_issues() -> None:
    tickets = ConversationTickets(DEMO_CONVERSATION_SECRET)
    cid, ticket = tickets.new_conversation()
    now = time.time()
    assert ticket_valid(DEMO_CONVERSATION_SECRET, cid, ticket, now)
    assert not ticket_valid(DEMO_CONVERSATION_SECRET, "someone-else", ticket, now)
    assert not ticket_valid("another-secret", cid, ticket, now)
    assert not ticket_valid(DEMO_CONVERSATION_SECRET, cid, ticket, now + tickets.ttl_s + 1)  # expired
    assert not ticket_valid(DEMO_CONVERSATION_SECRET, cid, "²." + ticket.partition(".")[2], now)


def test_the_widget_checks_in_well_within_the_time_after_which_a_customer_has_gone() -> None:
    assert refresh_after(WebSettings(handoff_gone_after_s=600)) == 15
    assert refresh_after(WebSettings(handoff_gone_after_s=9)) == 3


# ---- against a real Redis -------------------------------------------------------------------


@pytest.fixture
async def client(redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    board = WaitingBoard(redis, KEYS, StoreRepository(redis, KEYS))
    app = Starlette(routes=waiting_routes(WebSettings(), board))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web") as http:
        yield http


async def _policy(redis: Redis, open_now: bool) -> None:
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    window = SupportWindow(days=days, opens="00:00", closes="24:00")
    if not open_now:  # open one minute a day, twelve hours from now
        minute = time.gmtime(time.time() + 12 * 3600)
        start = f"{minute.tm_hour:02d}:{minute.tm_min // 2 * 2:02d}"
        window = SupportWindow(
            days=days, opens=start, closes=f"{minute.tm_hour:02d}:{minute.tm_min // 2 * 2 + 1:02d}"
        )
    hours = SupportHours(timezone="UTC", timezone_label="UTC", windows=[window])
    await redis.set(KEYS.policy, POLICY.model_copy(update={"support_hours": hours}).model_dump_json())


async def _queue(redis: Redis, cid: str, at: float, priority: str = "normal") -> str:
    request = HandoffRequest(conversation_id=cid, reason="customer asked", priority=priority, requested_at=at)
    await HandoffQueue(redis, KEYS).enqueue(request)
    return ConversationTickets(DEMO_CONVERSATION_SECRET).issue(cid)


async def _work_history(redis: Redis, minutes: float) -> None:
    now = time.time()
    for i in range(MIN_SAMPLES):
        for entry in _takeover("sam", f"past-{i}", now - 1200 + i * 60, minutes):
            fields = {"actor": entry.actor, "action": entry.action, "target": entry.target,
                      "details": "{}", "at": str(int(entry.at))}  # fmt: skip
            await redis.xadd(KEYS.audit, fields)  # type: ignore[arg-type]


@pytest.mark.integration
async def test_each_customer_learns_their_own_place_and_wait_and_it_moves_with_the_queue(
    redis: Redis, client: httpx.AsyncClient
) -> None:
    await _policy(redis, open_now=True)
    await _work_history(redis, minutes=4)
    now = time.time()
    first = await _queue(redis, "first", now - 300)
    second = await _queue(redis, "second", now - 100)
    urgent = await _queue(redis, "urgent", now - 10, priority="urgent")
    answer = (
        await client.post("/api/widget/waiting", json={"session_id": "second", "ticket": second})
    ).json()
    assert answer["status"] == "waiting" and answer["position"] == 3  # urgent first, as in the console
    # 3 x 4 min / 1 agent = 12 min, rounded up to 15 past ten minutes.
    assert answer["expected_minutes"] == 15 and answer["team_open"] is True
    assert answer["refresh_s"] == 15
    # A claim moves the others up (the queue's order is cached for at most two seconds).
    await redis.hset(KEYS.handoff("urgent"), "status", "claimed")
    later = time.time() + 3
    status = await WaitingBoard(redis, KEYS, StoreRepository(redis, KEYS)).check_in("second", later)
    assert status.position == 2
    # Someone else's conversation is not for this widget's ticket.
    refused = await client.post("/api/widget/waiting", json={"session_id": "first", "ticket": second})
    assert refused.status_code == 403 and "ticket" in refused.json()["error"]
    assert urgent and first


@pytest.mark.integration
async def test_a_check_in_stamps_presence_and_a_customer_who_had_gone_waits_again(
    redis: Redis, client: httpx.AsyncClient
) -> None:
    ticket = await _queue(redis, "c1", time.time() - 60)
    await redis.hset(KEYS.handoff("c1"), mapping={"status": "follow_up", "follow_up_at": "1"})
    answer = (await client.post("/api/widget/waiting", json={"session_id": "c1", "ticket": ticket})).json()
    assert answer["status"] == "waiting" and answer["position"] == 1
    record = await redis.hgetall(KEYS.handoff("c1"))
    assert record[b"status"] == b"waiting" and b"follow_up_at" not in record
    assert time.time() - float(record[b"last_seen"]) < 5
    # Without enough history there is no figure: the widget words it plainly.
    assert answer["expected_minutes"] is None
    # A conversation never handed off answers "none" and is not created by asking.
    lone = ConversationTickets(DEMO_CONVERSATION_SECRET).issue("lone")
    none = (await client.post("/api/widget/waiting", json={"session_id": "lone", "ticket": lone})).json()
    assert none["status"] == "none" and not await redis.exists(KEYS.handoff("lone"))


@pytest.mark.integration
async def test_out_of_hours_the_banner_says_when_and_keeps_a_valid_e_mail_masked(
    redis: Redis, client: httpx.AsyncClient
) -> None:
    await _policy(redis, open_now=False)
    ticket = await _queue(redis, "c2", time.time() - 60)
    answer = (await client.post("/api/widget/waiting", json={"session_id": "c2", "ticket": ticket})).json()
    assert answer["team_open"] is False and answer["reopens"].endswith("UTC")
    assert answer["expected_minutes"] is None and answer["contact_email"] is None
    bad = await client.post(
        "/api/widget/contact-email", json={"session_id": "c2", "ticket": ticket, "email": "sam@"}
    )
    assert bad.status_code == 400 and bad.json()["error"].startswith("email:")
    good = await client.post(
        "/api/widget/contact-email",
        json={"session_id": "c2", "ticket": ticket, "email": "Sam.Lee@Example.net"},
    )
    assert (
        good.json()
        == {"contact_email": mask_email("sam.lee@example.net")}
        == {"contact_email": "sa•••@example.net"}
    )
    assert await redis.hget(KEYS.handoff("c2"), "contact_email") == b"sam.lee@example.net"
    again = (await client.post("/api/widget/waiting", json={"session_id": "c2", "ticket": ticket})).json()
    assert again["contact_email"] == "sa•••@example.net"
    # No handoff, no address kept.
    lone = ConversationTickets(DEMO_CONVERSATION_SECRET).issue("lone")
    refused = await client.post(
        "/api/widget/contact-email", json={"session_id": "lone", "ticket": lone, "email": "a@b.co"}
    )
    assert refused.status_code == 409 and not await redis.exists(KEYS.handoff("lone"))
    assert json.loads(await redis.get(KEYS.policy))["support_hours"]["timezone"] == "UTC"
