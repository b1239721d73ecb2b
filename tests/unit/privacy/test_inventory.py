"""Everything held about a customer is found, exported and erased; nobody else's data is touched."""

from __future__ import annotations

import json
import re

import pytest
from redis.asyncio import Redis

from actions.errors import TopicsRunBusy
from actions.keys import Keys
from actions.privacy import inventory
from actions.privacy.inventory import (
    REDACTED,
    Mentions,
    erase_customer,
    export_document,
    find_customer_data,
    lookup_digest,
)
from tests.unit.privacy.conftest import BYSTANDER, SUBJECT, Person, all_text, give_data


def _mentioned(text: str, person: Person) -> list[str]:
    found = [value for value in (person.email, person.full_name) if value.lower() in text.lower()]
    if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(person.customer_id)}(?![A-Za-z0-9_-])", text):
        found.append(person.customer_id)
    return found


async def test_every_place_of_the_customer_is_found(redis: Redis, keys: Keys) -> None:
    await give_data(redis, keys, SUBJECT)
    await give_data(redis, keys, BYSTANDER)
    data = await find_customer_data(redis, keys, SUBJECT.customer_id)
    assert data.conversations == set(SUBJECT.conversations) == data.indexed_conversations
    assert data.customer["email"] == SUBJECT.email and list(data.orders) == [SUBJECT.order_id]
    assert data.profile == {"customer_id": SUBJECT.customer_id}
    for found in (data.trackers, data.emotion_timelines, data.handoffs, data.csat_marks, data.agent_notes):
        assert set(found) == set(SUBJECT.conversations)
    assert set(data.handoff_queue) == set(SUBJECT.conversations)
    assert set(data.offers_seen) == {keys.offer_seen(r, "customer:C10002") for r in ("rule-a", "rule-b")}
    assert set(data.offers_accepted) == {keys.offer_accepted("rule-a", cid) for cid in SUBJECT.conversations}
    assert set(data.order_lookup_limits) == {
        keys.order_lookup_failures("email", lookup_digest(SUBJECT.email)),
        keys.order_lookup_failures("order", lookup_digest(SUBJECT.order_id)),
    }
    counts = {name: len(entries) for name, entries in data.stream_entries.items()}
    # Per conversation: 2 events, 1 CSAT, 2 offer events, 1 audit entry; plus 2 audit entries naming them.
    assert counts == {"events": 4, "csat": 2, "offer_events": 4, "audit": 4}
    assert not {e.fields["sender_id"] for e in data.stream_entries["events"]} - set(SUBJECT.conversations)


async def test_the_lookup_digest_is_the_one_the_lookup_limits_use(redis: Redis, keys: Keys) -> None:
    await give_data(redis, keys, SUBJECT)
    digest = lookup_digest(" Maren.Oakhurst@Example.com")
    assert await redis.exists(keys.order_lookup_failures("email", digest))


async def test_conversations_missing_from_the_index_are_found_through_the_streams(
    redis: Redis, keys: Keys
) -> None:
    await give_data(redis, keys, SUBJECT, indexed=False)
    # Only the event stream ties this one to the customer (a customer_id slot event).
    await redis.xadd(keys.events, {"sender_id": "conv-late", "type": "user", "event": "{}"})
    await redis.xadd(keys.events, {"sender_id": "conv-late", "type": "slot",
                                   "event": json.dumps({"event": "slot", "name": "customer_id",
                                                        "value": SUBJECT.customer_id})})  # fmt: skip
    data = await find_customer_data(redis, keys, SUBJECT.customer_id)
    assert data.indexed_conversations == set()
    assert data.conversations == {*SUBJECT.conversations, "conv-late"}
    # The entry written before the slot event is found too (a second pass).
    late = [e.fields["type"] for e in data.stream_entries["events"] if e.fields["sender_id"] == "conv-late"]
    assert late == ["user", "slot"]


async def test_a_customer_token_in_the_metadata_is_not_exported(redis: Redis, keys: Keys) -> None:
    await give_data(redis, keys, SUBJECT)
    document = export_document(await find_customer_data(redis, keys, SUBJECT.customer_id))
    dumped = json.dumps(document)
    assert "v1.C10002." not in dumped and REDACTED in dumped
    conversation = document["conversations"][0]
    assert conversation["tracker"]["events"][3]["metadata"]["customer_token"] == REDACTED
    assert conversation["handoff"]["request"]["reason"] == "customer asked for a person"
    assert document["streams"]["events"][0]["fields"]["event"]["metadata"] == {"customer_token": REDACTED}
    assert document["store"]["customer"]["last_name"] == SUBJECT.last_name
    assert document["summary"]["trackers"] == 2


async def test_after_erasure_nothing_mentions_the_customer_and_the_bystander_keeps_everything(
    redis: Redis, keys: Keys
) -> None:
    await give_data(redis, keys, SUBJECT)
    await give_data(redis, keys, BYSTANDER)
    bystander_before = await find_customer_data(redis, keys, BYSTANDER.customer_id)
    assert _mentioned(await all_text(redis), SUBJECT)

    report = await erase_customer(redis, keys, await find_customer_data(redis, keys, SUBJECT.customer_id))

    everything = await all_text(redis)
    assert _mentioned(everything, SUBJECT) == []
    for cid in SUBJECT.conversations:
        assert cid not in everything
    assert report.stream_entries_deleted == {"audit": 4, "csat": 2, "events": 4, "offer_events": 4}
    assert report.set_members_removed == 6  # customer id, order id, two queue and two inbox places
    assert SUBJECT.customer_id not in json.dumps(report.details())
    bystander_after = await find_customer_data(redis, keys, BYSTANDER.customer_id)
    assert bystander_after.summary() == bystander_before.summary()
    assert await redis.sismember(keys.customer_ids, BYSTANDER.customer_id)


async def test_erasing_twice_finds_nothing_the_second_time(redis: Redis, keys: Keys) -> None:
    await give_data(redis, keys, SUBJECT)
    await erase_customer(redis, keys, await find_customer_data(redis, keys, SUBJECT.customer_id))
    again = await find_customer_data(redis, keys, SUBJECT.customer_id)
    assert not again.found_anything
    report = await erase_customer(redis, keys, again)
    assert report.keys_deleted == 0 and set(report.stream_entries_deleted.values()) == {0}


async def test_an_unknown_customer_has_nothing(redis: Redis, keys: Keys) -> None:
    await give_data(redis, keys, BYSTANDER)
    data = await find_customer_data(redis, keys, "C99999")
    assert not data.found_anything and data.conversations == set()


def test_mentions_match_the_id_as_a_whole_word_and_the_rest_in_any_case() -> None:
    mentions = Mentions("C10002", frozenset({"maren@example.com"}), frozenset({"maren oakhurst"}))
    assert mentions("customer C10002 called")
    assert mentions('{"id": "C10002"}')
    assert not mentions("customer C100021 called") and not mentions("XC10002")
    assert mentions("Write to MAREN@example.com") and mentions("Maren Oakhurst phoned")
    assert not mentions("Maren phoned")


async def test_a_running_topics_job_holds_the_erasure_back_before_anything_is_deleted(
    redis: Redis, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    await give_data(redis, keys, SUBJECT)
    monkeypatch.setattr(inventory, "TOPICS_LOCK_WAIT_S", 0.0)
    await redis.set(keys.insights_lock, "a topics run")
    with pytest.raises(TopicsRunBusy):
        await erase_customer(redis, keys, await find_customer_data(redis, keys, SUBJECT.customer_id))
    assert (await find_customer_data(redis, keys, SUBJECT.customer_id)).summary()["trackers"] == 2
    await redis.delete(keys.insights_lock)
    report = await erase_customer(redis, keys, await find_customer_data(redis, keys, SUBJECT.customer_id))
    assert report.details()["topic_examples_removed"] == 0  # no topics yet
    assert not (await find_customer_data(redis, keys, SUBJECT.customer_id)).found_anything
