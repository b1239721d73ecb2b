"""The demo history's open handoffs and trackers: deterministic, in every inbox view, readable by Rasa."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.keys import TRACKER_TTL_S
from seed.history.open_handoffs import OPEN_SPECS, OpenHandoff, OpenHandoffPlanner, open_inbox, prepare_open
from seed.history.subjects import load_subjects
from seed.history.writer import HistoryWriter
from tests.unit.seed.test_history import CUSTOMERS, FILLERS, KEYS, NOW, _plan, _rules
from web.agent.desk import HandoffDesk
from web.agent.inbox import Inbox, InboxQuery, counts_of, select

ROOT = Path(__file__).resolve().parents[3]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
AGENT = ("agent", "Alex Agent")
NAMES = {"C10001": ("Ruth", "Smith"), "C10002": ("Jacob", "Perez"), "C10003": ("Diane", "Nelson")}


def _email(customer_id: str) -> str:
    return f"{NAMES[customer_id][0].lower()}@example.org"


def _open(seed: int = 7) -> list[OpenHandoff]:
    return OpenHandoffPlanner(list(load_subjects()), FILLERS, CUSTOMERS, _rules(), seed).plan(NOW)


def test_the_same_seed_gives_the_same_open_handoffs_each_as_specified() -> None:
    first, again, other = _open(), _open(), _open(8)
    ids = [o.conversation.id for o in first]
    assert ids == [o.conversation.id for o in again]
    assert [t.text for o in first for t in o.conversation.turns] == [
        t.text for o in again for t in o.conversation.turns
    ]
    assert ids != [o.conversation.id for o in other]
    assert Counter(o.spec.status for o in first) == {"waiting": 13, "claimed": 2, "follow_up": 2}
    history = {c.id for c in _plan(7, days=14)}
    for opened in first:
        c = opened.conversation
        assert c.id not in history and c.handoff_reason and not c.closed_at and c.csat is None
        assert NOW - c.handoff_at == pytest.approx(opened.spec.waited_min * 60)
        # Everything the customer wrote came before they asked for a person, and nothing is in the future.
        assert all(c.started_at < t.at < c.handoff_at for t in c.turns)
        if opened.spec.status == "follow_up":
            assert c.customer_id and opened.follow_up_at is not None and opened.follow_up_at < NOW
        if opened.spec.own_order:
            own = next(customer.orders for customer in CUSTOMERS if customer.id == c.customer_id)
            assert any(order in t.text for t in c.turns for order in own)


@pytest.fixture
def loaded(redis_client: Redis, redis_url: str) -> list[OpenHandoff]:
    """The history with its open handoffs, written as the loader writes them, with one store customer."""
    for customer in CUSTOMERS:
        first, last = NAMES[customer.id]
        record = {
            **{"id": customer.id, "first_name": first, "last_name": last, "email": _email(customer.id)},
            **{"country": "GB", "created_at": "2025-01-02"},
        }
        redis_client.set(KEYS.customer(customer.id), json.dumps(record))
        for order_id in customer.orders:
            order = {"id": order_id, "customer_id": customer.id, "email": _email(customer.id), "total": 84.5}
            redis_client.set(KEYS.order(order_id), json.dumps(order))
            redis_client.zadd(KEYS.customer_orders(customer.id), {order_id: 1})
    opened = _open()
    writer = HistoryWriter(redis_client, KEYS, NOW, AGENT, rules_version=1)
    for conversation in [*_plan(7, days=14), *(o.conversation for o in opened)]:
        writer.add(conversation)
    prepare_open(redis_client, KEYS, writer, opened)
    writer.flush()
    counts = open_inbox(redis_url, redis_client, KEYS, writer, opened, NOW)
    assert counts["open handoffs"] == len(OPEN_SPECS)
    assert counts["trackers"] == len(writer.tracker_events)
    return opened


async def test_every_inbox_view_lists_them_and_search_finds_them(
    loaded: list[OpenHandoff], redis_url: str
) -> None:
    client = AsyncRedis.from_url(redis_url)
    try:
        rows = await Inbox(client, KEYS).rows()
        counts = counts_of(rows, AGENT[0])
        assert (counts.unassigned, counts.mine, counts.follow_up, counts.all) == (13, 2, 2, 17)
        assert counts_of(rows, "someone-else").mine == 0
        verified = next(o.conversation for o in loaded if o.spec.own_order)
        order_id = next(o for c in CUSTOMERS if c.id == verified.customer_id for o in c.orders)
        found = select(rows, InboxQuery(view="all", q=order_id), AGENT[0], NOW)
        assert verified.id in {r.conversation_id for r in found}
        first, last = NAMES[verified.customer_id or ""]
        named = select(rows, InboxQuery(q=f"{first} {last}".lower()), AGENT[0], NOW)
        assert named and all(r.doc.customer_id == verified.customer_id for r in named)
        assert {r.request.priority for r in rows} == {"urgent", "high", "normal", "low"}
        desk = HandoffDesk(client, KEYS)
        gone = next(o for o in loaded if o.spec.status == "follow_up")
        state = await desk.state(gone.conversation.id)
        assert state.status == "follow_up" and state.contact_email == _email(
            gone.conversation.customer_id or ""
        )
        held = next(o for o in loaded if o.spec.status == "claimed")
        assert (await desk.owner(held.conversation.id)) is not None
        audit = [e for _, e in await client.xrange(KEYS.audit)]
        assert {e[b"action"] for e in audit if e[b"target"].decode() == held.conversation.id} == {
            b"handoff.claim"
        }
    finally:
        await client.aclose()


def test_trackers_hold_the_stream_events_the_verified_order_and_the_pause(
    loaded: list[OpenHandoff], redis_client: Redis
) -> None:
    opened = next(o for o in loaded if o.spec.own_order)
    key = KEYS.tracker(opened.conversation.id)
    stored = json.loads(redis_client.get(key) or "{}")
    assert stored["name"] == opened.conversation.id
    in_stream = [
        json.loads(fields[b"event"])
        for _, fields in redis_client.xrange(KEYS.events)
        if fields[b"sender_id"].decode() == opened.conversation.id
    ]
    assert stored["events"] == [{k: v for k, v in e.items() if k != "sender_id"} for e in in_stream]
    slots = {e["name"]: e["value"] for e in stored["events"] if e["event"] == "slot"}
    customer_id = opened.conversation.customer_id or ""
    own = next(c.orders for c in CUSTOMERS if c.id == customer_id)
    assert slots["order_id"] in own and slots["email"] == _email(customer_id) and slots["order_value"] == 84.5
    assert slots["customer_id"] == customer_id and slots["signed_in"] is True
    assert [e["event"] for e in stored["events"]][-1] == "pause"
    assert 0 < redis_client.ttl(key) <= TRACKER_TTL_S


@pytest.mark.skipif(not RASA_PYTHON.is_file(), reason="the Rasa interpreter (.venv-rasa) is not installed")
def test_rasa_reads_a_demo_tracker_as_it_reads_its_own(
    loaded: list[OpenHandoff], redis_client: Redis
) -> None:
    """Rasa's RedisTrackerStore rebuilds the tracker: paused, its slots, every event as stored."""
    opened = next(o for o in loaded if o.spec.own_order)
    stored = (redis_client.get(KEYS.tracker(opened.conversation.id)) or b"").decode()
    script = (
        "import json, sys\n"
        "from rasa.core.tracker_store import InMemoryTrackerStore\n"
        "from rasa.shared.core.domain import Domain\n"
        "from rasa.shared.core.slots import AnySlot\n"
        "raw = sys.stdin.read()\n"
        "names = ['customer_id', 'signed_in', 'order_id', 'email', 'order_value']\n"
        "domain = Domain.from_dict({'slots': {n: {'type': 'any', 'mappings': []} for n in names}})\n"
        "tracker = InMemoryTrackerStore(domain).deserialise_tracker('x', raw)\n"
        "same = [e.as_dict() for e in tracker.events] == json.loads(raw)['events']\n"
        "order_id, latest = tracker.get_slot('order_id'), tracker.latest_message.text\n"
        "paused = tracker.is_paused()\n"
        "print(json.dumps({'paused': paused, 'same': same, 'order_id': order_id, 'latest': latest}))\n"
    )
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", script],
        input=stored,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer == {
        "paused": True,
        "same": True,
        "order_id": next(o for c in CUSTOMERS if c.id == opened.conversation.customer_id for o in c.orders),
        "latest": opened.conversation.turns[-1].text,
    }, answer
