"""Transfer, release and closing categories at the desk; the agent tools' routes in the real app.

The routes run with Rasa's HTTP API answered from memory (``test_routes.FakeRasa``): what the
customer is told, what the audit log keeps, what other agents see and what the customer never does.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import cast

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import Keys
from actions.store.models import Customer
from tests.unit.web.agent.test_routes import (
    CID,
    REDIS_URL,
    SECRET,
    Console,
    ConsoleServices,
    FakeRasa,
    _audit,
    _policy,
    _run,
    _seed,
)
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.agent.desk import Claim, Closing, HandoffDesk
from web.agent.live import _queue_change
from web.app import BUNDLES, create_app
from web.settings import WebSettings

KEYS = Keys("cs")


async def _queue(redis: Redis, cid: str, at: float) -> None:
    request = HandoffRequest(conversation_id=cid, reason="customer asked", requested_at=at)
    await HandoffQueue(redis, KEYS).enqueue(request)


# --- the desk --------------------------------------------------------------------


@pytest.mark.integration
async def test_only_the_owner_transfers_and_the_colleague_then_owns_it(redis: Redis) -> None:
    desk = HandoffDesk(redis, KEYS)
    await _queue(redis, "c1", time.time() - 60)
    assert (await desk.transfer("c1", "sam", Claim(agent="kim", display_name="Kim"))).outcome == "unclaimed"
    await desk.claim("c1", "sam", "Sam")
    refused = await desk.transfer("c1", "kim", Claim(agent="kim", display_name="Kim"))
    assert refused.outcome == "not_yours" and refused.claim and refused.claim.agent == "sam"
    done = await desk.transfer("c1", "sam", Claim(agent="kim", display_name="Kim"))
    assert done.outcome == "done" and done.claim and done.claim.agent == "sam"  # who had it before
    assert (await desk.owner("c1")).agent == "kim"  # type: ignore[union-attr]
    assert (await desk.state("c1")).status == "claimed"
    # Sam no longer holds it: he can neither release nor transfer it again.
    assert (await desk.release("c1", "sam")).outcome == "not_yours"


@pytest.mark.integration
async def test_release_puts_it_back_unclaimed_with_its_original_waiting_time(redis: Redis) -> None:
    desk = HandoffDesk(redis, KEYS)
    now = time.time()
    await _queue(redis, "old", now - 600)
    await _queue(redis, "new", now - 30)
    await desk.claim("old", "sam", "Sam")
    assert (await desk.release("old", "sam")).outcome == "done"
    assert await desk.owner("old") is None and (await desk.state("old")).status == "waiting"
    items = await desk.queue(now=now)
    # Still first in line: it waited longest, and the wait counts from the customer's request.
    assert [i.conversation_id for i in items] == ["old", "new"]
    assert items[0].waiting_s == pytest.approx(600) and items[0].claim is None
    summary = await desk.summary(now=now)
    assert (summary.waiting, summary.claimed, round(summary.oldest_waiting_s)) == (2, 0, 600)
    assert (await desk.release("old", "sam")).outcome == "unclaimed"
    # Anyone may claim it again.
    assert (await desk.claim("old", "kim", "Kim")).outcome == "claimed"


@pytest.mark.integration
async def test_a_lead_takes_a_conversation_back_from_whoever_holds_it(redis: Redis) -> None:
    desk = HandoffDesk(redis, KEYS)
    await _queue(redis, "c1", time.time() - 300)
    assert (await desk.take_back("c1", None)).outcome == "unclaimed"  # nobody holds it
    await desk.claim("c1", "sam", "Sam")
    back = await desk.take_back("c1", None)
    assert back.outcome == "done" and back.claim and back.claim.agent == "sam"  # who had it
    assert await desk.owner("c1") is None and (await desk.state("c1")).status == "waiting"
    assert [i.conversation_id for i in await desk.queue()] == ["c1"]  # its place and waiting time kept
    await desk.claim("c1", "sam", "Sam")
    moved = await desk.take_back("c1", Claim(agent="kim", display_name="Kim"))
    assert moved.outcome == "done" and moved.claim and moved.claim.agent == "sam"
    assert (await desk.owner("c1")).agent == "kim"  # type: ignore[union-attr]
    assert (await desk.state("c1")).status == "claimed"


@pytest.mark.integration
async def test_a_closing_keeps_its_category_and_older_closings_read_as_other(redis: Redis) -> None:
    desk = HandoffDesk(redis, KEYS)
    await _queue(redis, "c1", time.time())
    await desk.close("c1", Closing(agent="sam", note="refund sent", category="refund_or_return_arranged"))
    assert (await desk.state("c1")).closing.category == "refund_or_return_arranged"  # type: ignore[union-attr]
    await redis.hset(
        KEYS.handoff("c2"), "closed", json.dumps({"agent": "sam", "note": "x", "closed_at": 1.0})
    )
    assert (await desk.state("c2")).closing.category == "other"  # type: ignore[union-attr]


# --- the routes ------------------------------------------------------------------


@pytest.fixture
def tools(sync_redis: SyncRedis, tmp_path: Path) -> Iterator[Console]:
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    _run(_seed)

    async def more_accounts(redis: Redis) -> None:
        users = UserStore(redis, KEYS)
        await users.create("mia.ross", "Mia Ross", "marketer", "correct horse battery")
        await users.create("ann.admin", "Ann Admin", "admin", "correct horse battery")

    _run(more_accounts)
    settings = WebSettings(
        web_build_dir=tmp_path,
        redis_url=REDIS_URL,
        cs_key_prefix=KEYS.prefix,
        accounts=AccountSettings(web_secret_key=SECRET),
    )
    services = ConsoleServices(settings)
    with TestClient(create_app(settings, services), follow_redirects=False) as client:
        yield Console(client, cast(FakeRasa, services.rasa))


def test_transfer_goes_only_to_an_agent_account_and_the_widget_names_the_colleague(
    tools: Console, sync_redis: SyncRedis
) -> None:
    tools.sign_in("sam.lee")
    colleagues = tools.client.get("/api/agent/colleagues").json()["agents"]
    assert [c["username"] for c in colleagues] == ["ann.admin", "kim.park"]  # no marketer, not yourself
    assert tools.post("transfer", {"to": "kim.park"}).json()["error"] == "claim the conversation first"
    tools.post("claim")
    for to in ("mia.ross", "nobody", "../x"):
        refused = tools.post("transfer", {"to": to})
        assert refused.status_code == 422 and refused.json()["details"][0]["field"] == "to"
    assert tools.post("transfer", {"to": "sam.lee"}).json()["error"] == "you already have this conversation"

    assert tools.post("transfer", {"to": "kim.park"}).json()["transferred"] is True
    _, [notice] = tools.rasa.appended[-1]
    assert notice["text"] == "Kim Park from our team has joined the chat and will take it from here."
    assert notice["metadata"] == {"handoff": "joined", "agent": {"name": "Kim Park"}}
    assert json.loads(cast(bytes, sync_redis.hget(KEYS.handoff(CID), "claim")))["agent"] == "kim.park"
    assert tools.post("reply", {"text": "still me"}).json()["error"] == "Kim Park has this conversation"
    details = [
        json.loads(f[b"details"])
        for _, f in sync_redis.xrange(KEYS.audit)
        if f[b"action"] == b"handoff.transfer"
    ]
    assert details == [{"to": "kim.park"}]

    tools.sign_in("kim.park")
    assert tools.post("reply", {"text": "Hi, Kim here."}).json() == {"delivered": True}


def test_release_returns_it_to_the_queue_and_tells_the_customer(
    tools: Console, sync_redis: SyncRedis
) -> None:
    tools.sign_in("sam.lee")
    tools.post("claim")
    tools.sign_in("kim.park")
    assert tools.post("release").json()["error"] == "Sam Lee has this conversation"
    tools.sign_in("sam.lee")
    assert tools.post("release").json() == {"released": True}
    _, [notice] = tools.rasa.appended[-1]
    assert notice["text"].startswith("Sam Lee has stepped away.")
    assert notice["metadata"] == {"handoff": "left", "agent": {"name": "Sam Lee"}}
    [item] = tools.client.get("/api/agent/queue").json()["items"]
    assert item["conversation_id"] == CID and item["claim"] is None
    assert ("sam.lee", "handoff.release") in _audit(sync_redis)
    tools.sign_in("kim.park")
    assert tools.post("claim").json()["outcome"] == "claimed"


def test_an_admin_takes_a_conversation_back_from_an_absent_agent(
    tools: Console, sync_redis: SyncRedis
) -> None:
    tools.sign_in("sam.lee")
    tools.post("claim")
    tools.sign_in("kim.park")
    assert tools.post("take-back").status_code == 403  # a lead's move, not a colleague's
    tools.sign_in("ann.admin")
    assert tools.post("take-back", {"to": "mia.ross"}).status_code == 422  # not an agent
    same = tools.post("take-back", {"to": "sam.lee"})
    assert same.status_code == 422 and same.json()["error"] == "Sam Lee already has this conversation"
    answer = tools.post("take-back")
    assert answer.status_code == 200 and answer.json()["taken_from"]["agent"] == "sam.lee"
    assert answer.json()["claim"] is None
    _, [notice] = tools.rasa.appended[-1]
    assert notice["text"].startswith("Sam Lee has stepped away.")
    assert notice["metadata"] == {"handoff": "left", "agent": {"name": "Sam Lee"}}
    [item] = tools.client.get("/api/agent/queue").json()["items"]
    assert item["conversation_id"] == CID and item["claim"] is None
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], sync_redis.xrange(KEYS.audit))
    taken = [f for _, f in entries if f[b"action"] == b"handoff.take_back"]
    assert [(f[b"actor"], json.loads(f[b"details"])) for f in taken] == [
        (b"ann.admin", {"from": "sam.lee", "to": None})
    ]
    assert tools.post("take-back").status_code == 409  # back in the queue: nobody holds it
    # Reassigned to a colleague: Kim holds it and may reply; Sam may not.
    tools.sign_in("sam.lee")
    tools.post("claim")
    tools.sign_in("ann.admin")
    moved = tools.post("take-back", {"to": "kim.park"}).json()
    assert moved["claim"]["agent"] == "kim.park" and moved["taken_from"]["agent"] == "sam.lee"
    _, [joined] = tools.rasa.appended[-1]
    assert joined["metadata"] == {"handoff": "joined", "agent": {"name": "Kim Park"}}
    tools.sign_in("sam.lee")
    assert tools.post("reply", {"text": "still here"}).status_code == 409
    tools.sign_in("kim.park")
    assert tools.post("reply", {"text": "Hi, Kim here."}).json() == {"delivered": True}


def test_notes_are_for_agents_only_and_never_reach_rasa(tools: Console, sync_redis: SyncRedis) -> None:
    tools.sign_in("kim.park")  # not the owner: any agent may leave a note
    assert tools.post("notes", {"text": "   "}).json()["details"][0]["field"] == "text"
    added = tools.post("notes", {"text": "Customer is a wholesale buyer; be generous."}).json()["note"]
    assert added["author_name"] == "Kim Park" and "author" not in added
    tools.sign_in("sam.lee")
    tools.post("notes", {"text": "Agreed."})
    notes = tools.client.get(f"/api/agent/conversations/{CID}/notes").json()["notes"]
    assert [(n["author_name"], n["text"]) for n in notes] == [
        ("Kim Park", "Customer is a wholesale buyer; be generous."),
        ("Sam Lee", "Agreed."),
    ]
    assert tools.rasa.appended == []  # nothing was sent to the tracker or the widget
    assert sync_redis.ttl(KEYS.agent_notes(CID)) > 0
    details = [
        json.loads(f[b"details"]) for _, f in sync_redis.xrange(KEYS.audit) if f[b"action"] == b"handoff.note"
    ]
    assert details == [{"characters": 43}, {"characters": 7}]  # the words stay out of the log
    # Only conversations handed to a person; a marketer not at all.
    assert tools.client.get("/api/agent/conversations/other/notes").status_code == 404
    tools.sign_in("mia.ross")
    assert tools.client.get(f"/api/agent/conversations/{CID}/notes").status_code == 403


def _form_token(html: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    return token.group(1)


def test_canned_replies_are_managed_by_permission_and_filled_for_the_conversation(
    tools: Console, sync_redis: SyncRedis
) -> None:
    _policy(sync_redis)
    customer = Customer(id="C1", first_name="Laura", last_name="Chen", email="laura@example.com",
                        country="US", created_at=date(2025, 1, 1))  # fmt: skip
    sync_redis.set(KEYS.customer("C1"), customer.model_dump_json())
    tools.rasa.trackers[CID] = {"events": [], "slots": {"signed_in": True, "customer_id": "C1"}}
    text = "Hi {first_name}, {agent_name} from {store_name}: order #{order_id} is on its way."
    form = {"shortcut": "where", "title": "Where is it", "replaces": "", "text": text}

    tools.sign_in("sam.lee")  # an agent without the permission may use them, not change them
    page = tools.client.get("/agent/canned")
    assert 'data-testid="canned-read-only"' in page.text
    refused = tools.client.post("/agent/canned", data={**form, "csrf_token": _form_token(page.text)})
    assert refused.status_code == 403 and sync_redis.hlen(KEYS.canned_replies) == 0

    asyncio.run(_allow("sam.lee"))
    token = _form_token(tools.client.get("/agent/canned").text)
    typo = tools.client.post("/agent/canned", data={**form, "text": "Hi {frist_name}", "csrf_token": token})
    assert typo.status_code == 400 and "text: unknown variable {frist_name}" in typo.text
    assert "Hi {frist_name}" in typo.text  # the draft is kept
    saved = tools.client.post("/agent/canned", data={**form, "csrf_token": token})
    assert saved.status_code == 303
    assert [r["shortcut"] for r in tools.client.get("/api/agent/canned").json()["replies"]] == ["where"]

    filled = tools.client.get(f"/api/agent/conversations/{CID}/canned/where").json()
    assert filled["text"] == "Hi Laura, Sam Lee from Brightcart: order #{order_id} is on its way."
    assert filled["missing"] == ["order_id"]
    tools.post("claim")
    unsent = tools.post("reply", {"text": filled["text"]})
    assert unsent.status_code == 422 and unsent.json()["error"] == "fill in {order_id} before sending"
    assert not [e for _, events in tools.rasa.appended for e in events if "Laura" in str(e.get("text"))]
    done = filled["text"].replace("{order_id}", "111790")
    assert tools.post("reply", {"text": done}).json() == {"delivered": True}

    deleted = tools.client.post("/agent/canned/where/delete", data={"csrf_token": token})
    assert deleted.status_code == 303 and sync_redis.hlen(KEYS.canned_replies) == 0
    actions = [a for _, a in _audit(sync_redis) if a.startswith("canned_reply.")]
    assert actions == ["canned_reply.create", "canned_reply.delete"]


def test_an_admin_always_manages_canned_replies(tools: Console) -> None:
    tools.sign_in("ann.admin")
    page = tools.client.get("/agent/canned")
    assert 'data-testid="canned-form"' in page.text and 'data-testid="canned-read-only"' not in page.text


def test_closing_records_its_category_and_refuses_one_not_in_the_list(
    tools: Console, sync_redis: SyncRedis
) -> None:
    tools.sign_in("sam.lee")
    tools.post("claim")
    wrong = tools.post("close", {"note": "done", "category": "solved-ish"})
    assert wrong.status_code == 422 and wrong.json()["details"][0]["field"] == "category"
    assert tools.post("close", {"note": "done", "category": "order_issue_fixed"}).json() == {"closed": True}
    closing = json.loads(cast(bytes, sync_redis.hget(KEYS.handoff(CID), "closed")))
    assert closing["category"] == "order_issue_fixed"
    entries = [
        json.loads(f[b"details"])
        for _, f in sync_redis.xrange(KEYS.audit)
        if f[b"action"] == b"handoff.close"
    ]
    assert entries == [{"note": "done", "category": "order_issue_fixed"}]


async def _allow(username: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        await UserStore(redis, KEYS).set_canned_manager(username, True)
    finally:
        await redis.aclose()


def test_the_live_queue_event_of_a_take_back_names_the_agent_who_held_it() -> None:
    details = json.dumps({"from": "sam.lee", "to": None})
    change = _queue_change({"action": "handoff.take_back", "target": "c1", "details": details})
    assert change == {"conversation_id": "c1", "action": "handoff.take_back", "taken_from": "sam.lee"}
    assert _queue_change({"action": "handoff.claim", "target": "c1", "details": "{}"}) == {
        "conversation_id": "c1",
        "action": "handoff.claim",
    }
