"""The agent inbox against a real Redis: views, each filter, search, sorting, paging and the index."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis

from actions.handoff.index import SearchDocument, document_of
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import Keys
from actions.store.models import Customer
from web.agent.desk import Closing, HandoffDesk
from web.agent.inbox import Inbox, InboxIndexer, InboxPage, InboxQuery

pytestmark = pytest.mark.integration
KEYS = Keys("cs")
NOW = 1_800_000_000.0


def _said(text: str, at: float, channel: str = "rest") -> dict:
    return {"event": "user", "text": text, "timestamp": at, "input_channel": channel}


def _slot(name: str, value: str, at: float) -> dict:
    return {"event": "slot", "name": name, "value": value, "timestamp": at}


async def _queue(redis: Redis, cid: str, waited_min: float, events: list[dict] | None = None,
                 signed_in: bool = False, **request: str) -> None:  # fmt: skip
    fields = {"reason": "customer asked for a person", "priority": "normal", **request}
    at = NOW - waited_min * 60
    handoff = HandoffRequest(conversation_id=cid, requested_at=at, **fields)  # type: ignore[arg-type]
    await HandoffQueue(redis, KEYS).enqueue(handoff, document_of(events or [], signed_in))


@pytest.fixture
async def inbox(redis: Redis) -> Inbox:
    ada = Customer(id="C7", first_name="Ada", last_name="Byron", email="ada@example.com", country="GB",
                   created_at="2025-01-02")  # type: ignore[arg-type]  # fmt: skip
    await redis.set(KEYS.customer("C7"), ada.model_dump_json())
    await _queue(redis, "angry-order", 40, [_said("where is my parcel??", NOW - 2500),
                 _slot("order_id", "#104233", NOW - 2490), _slot("email", "Bo@Example.com", NOW - 2480)],
                 priority="high", reason="order problem", emotion="anger", segment="loyal")  # fmt: skip
    await _queue(redis, "signed-in", 10, [_slot("customer_id", "C7", NOW - 700),
                 _said("I want a refund", NOW - 650, "socketio")], signed_in=True,
                 priority="urgent", reason="refund", emotion="sadness", segment="new")  # fmt: skip
    await _queue(redis, "visitor", 2, [_said("hello, a person please", NOW - 130)], emotion="neutral")
    await _queue(redis, "gone", 300, [_said("anyone?", NOW - 18_000)], priority="low")
    await redis.hset(KEYS.handoff("gone"), "status", "follow_up")
    return Inbox(redis, KEYS)


def _ids(page: InboxPage) -> list[str]:
    return [i.conversation_id for i in page.items]


async def test_each_view_lists_its_conversations_and_every_view_is_counted(
    inbox: Inbox, redis: Redis
) -> None:
    await HandoffDesk(redis, KEYS).claim("signed-in", "sam", "Sam")
    queries = {v: InboxQuery.model_validate({"view": v, "sort": "waiting"})
               for v in ("unassigned", "mine", "all", "follow_up")}  # fmt: skip
    views = {v: _ids(await inbox.page(query, "sam", now=NOW)) for v, query in queries.items()}
    assert views == {
        "unassigned": ["angry-order", "visitor"],
        "mine": ["signed-in"],
        "all": ["gone", "angry-order", "signed-in", "visitor"],
        "follow_up": ["gone"],
    }
    page = await inbox.page(InboxQuery(), "kim", now=NOW)
    assert page.counts.model_dump() == {"unassigned": 2, "mine": 0, "all": 4, "follow_up": 1}
    assert (await inbox.counts("sam")).mine == 1


async def test_closed_and_handed_back_conversations_leave_the_inbox(inbox: Inbox, redis: Redis) -> None:
    desk = HandoffDesk(redis, KEYS)
    await desk.claim("visitor", "sam", "Sam")
    await desk.close("visitor", Closing(agent="sam", note="done"))
    await desk.claim("angry-order", "sam", "Sam")
    await desk.hand_back("angry-order")
    assert _ids(await inbox.page(InboxQuery(sort="waiting"), "sam", now=NOW)) == ["gone", "signed-in"]
    assert await redis.zscore(KEYS.handoff_inbox, "visitor") is None
    # A new request lists it again.
    await _queue(redis, "visitor", 1)
    assert "visitor" in _ids(await inbox.page(InboxQuery(), "sam", now=NOW))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"priority": "urgent"}, ["signed-in"]),
        ({"reason": "order problem"}, ["angry-order"]),
        ({"emotion": "sadness"}, ["signed-in"]),
        ({"segment": "loyal"}, ["angry-order"]),
        ({"channel": "socketio"}, ["signed-in"]),
        ({"channel": "rest"}, ["gone", "angry-order", "visitor"]),
        ({"waiting_min": 30}, ["gone", "angry-order"]),
        ({"priority": "high", "waiting_min": 60}, []),
    ],
)
async def test_each_filter_keeps_only_the_matching_conversations(
    inbox: Inbox, query: dict, expected: list[str]
) -> None:
    assert _ids(await inbox.page(InboxQuery(sort="waiting", **query), "sam", now=NOW)) == expected


@pytest.mark.parametrize(
    ("q", "expected", "where"),
    [
        ("C7", ["signed-in"], "customer id"),
        ("ada byron", ["signed-in"], "name"),
        ("bo@example", ["angry-order"], "e-mail"),
        ("#104233", ["angry-order"], "order number"),
        ("PARCEL", ["angry-order"], "message"),
        ("no such thing", [], None),
    ],
)
async def test_search_finds_a_conversation_by_customer_name_email_order_or_words(
    inbox: Inbox, q: str, expected: list[str], where: str | None
) -> None:
    page = await inbox.page(InboxQuery(q=q), "sam", now=NOW)
    assert _ids(page) == expected
    if where:
        assert where in page.items[0].matched
        assert page.items[0].customer == ("Ada Byron" if expected == ["signed-in"] else None)


async def test_a_visitors_customer_id_slot_is_not_searchable(redis: Redis) -> None:
    assert document_of([_slot("customer_id", "C9", NOW)], signed_in=False).customer_id is None


async def test_sorting_by_priority_and_newest_and_paging(inbox: Inbox) -> None:
    by_priority = await inbox.page(InboxQuery(), "sam", now=NOW)
    assert _ids(by_priority) == ["signed-in", "angry-order", "visitor", "gone"]
    assert _ids(await inbox.page(InboxQuery(sort="newest"), "sam", now=NOW))[0] == "visitor"
    second = await inbox.page(InboxQuery(per_page=3, page=2), "sam", now=NOW)
    # Priority first by default (as the old queue), then longest waiting.
    assert (_ids(second), second.total, second.pages, second.page) == (["gone"], 4, 2, 2)
    by_wait = await inbox.page(InboxQuery(sort="waiting", per_page=3, page=2), "sam", now=NOW)
    assert _ids(by_wait) == ["visitor"]
    # A page past the end shows the last one.
    assert (await inbox.page(InboxQuery(per_page=3, page=9), "sam", now=NOW)).page == 2


async def test_the_filters_offer_the_values_the_open_conversations_have(inbox: Inbox) -> None:
    options = (await inbox.page(InboxQuery(), "sam", now=NOW)).options
    assert options.priorities == ["urgent", "high", "normal", "low"]
    assert options.emotions == ["anger", "neutral", "sadness"]
    assert options.channels == ["rest", "socketio"]
    assert options.segments == ["loyal", "new"]


async def test_a_wrong_query_names_its_field() -> None:
    with pytest.raises(ValueError, match="priority"):
        InboxQuery.model_validate({"priority": "whenever"})
    with pytest.raises(ValueError, match="per_page"):
        InboxQuery.model_validate({"per_page": 1000})
    with pytest.raises(ValueError, match="colour"):
        InboxQuery.model_validate({"colour": "red"})


async def _stream(redis: Redis, cid: str, event: dict) -> None:
    await redis.xadd(KEYS.events, {"sender_id": cid, "type": event["event"], "event": json.dumps(event)})


async def test_messages_after_the_handoff_are_folded_in_from_the_event_stream(
    inbox: Inbox, redis: Redis
) -> None:
    indexer = InboxIndexer(redis, KEYS)
    now = NOW + 10
    await redis.set(KEYS.agent_inbox_cursor, "0-0")
    # Already in the document from enqueue time: folded twice, counted once.
    await _stream(redis, "visitor", _said("hello, a person please", NOW - 130))
    await _stream(redis, "visitor", _said("my voucher SPRING10 failed", now))
    await _stream(redis, "visitor", _slot("email", "late@example.com", now + 1))
    await _stream(redis, "not-handed-off", _said("voucher", now))
    assert await indexer.catch_up() == 1
    doc = SearchDocument.model_validate_json(await redis.hget(KEYS.handoff("visitor"), "doc") or b"")
    assert doc.said == "hello, a person please\nmy voucher spring10 failed"
    assert doc.emails == ["late@example.com"]
    assert not await redis.exists(KEYS.handoff("not-handed-off"))
    assert _ids(await inbox.page(InboxQuery(q="spring10"), "sam", now=NOW)) == ["visitor"]
    assert _ids(await inbox.page(InboxQuery(q="late@"), "sam", now=NOW)) == ["visitor"]
    # The position is kept: nothing new, nothing folded.
    assert await indexer.catch_up() == 0


async def test_a_thousand_waiting_conversations_are_filtered_and_searched_exactly(redis: Redis) -> None:
    # Speed is measured by ``python -m benchmarks.consoles --waiting 1000``, not asserted here.
    for i in range(1000):
        priority, emotion = ("low", "normal", "high", "urgent")[i % 4], ("anger", "joy", "fear")[i % 3]
        said = [_said(f"message number {i}", NOW - 10_000 + i)]
        await _queue(redis, f"c{i}", i % 90, said, priority=priority, emotion=emotion)
    inbox = Inbox(redis, KEYS)
    await inbox.page(InboxQuery(), "sam", now=NOW)  # warm up the scripts and parsers
    assert (await inbox.page(InboxQuery(), "sam", now=NOW)).total == 1000
    both = await inbox.page(InboxQuery(priority="urgent", emotion="anger"), "sam", now=NOW)
    assert both.total == sum(1 for i in range(1000) if i % 4 == 3 and i % 3 == 0)
    assert (await inbox.page(InboxQuery(q="number 77"), "sam", now=NOW)).total >= 1
    assert (await inbox.page(InboxQuery(q="number 777"), "sam", now=NOW)).total == 1
