"""A signed-in demo customer is handed off and sees an offer: export holds it all, erasure leaves nothing.

After ``python -m jobs.privacy erase`` no key name, value, stream entry or tracker of
the stack's whole database mentions the customer's id, e-mail address or name, nor
the conversation they had.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from actions.identity.tokens import DEMO_IDENTITY_SECRET, sign_customer_token
from actions.keys import Keys
from actions.offers.store import RuleStore
from actions.offers.validation import parse_rule_set
from jobs.privacy import EXIT_OK, main
from stack.assistant import Assistant
from tests.integration.conftest import E2E_REDIS_URL, texts
from web.accounts.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.integration

RULE_ID = "e2e-privacy-members"
OFFER = "E2E PRIVACY: signed-in members get 5% off with the code MEMBER5."
KEYS = Keys("cs")


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": RULE_ID, "name": "Members", "kind": "upsell", "priority": 60,
            "conditions": {"signed_in_only": True},
            "variants": [{"id": "only", "message": OFFER, "discount_code": "MEMBER5"}],
            "caps": {"per_customer": {"max_exposures": 5, "window_days": 1}},
        },
    ]  # fmt: skip


async def _install_rules() -> None:
    client = AsyncRedis.from_url(E2E_REDIS_URL)
    try:
        await RuleStore(client, KEYS).save(parse_rule_set(_rules()), "e2e-privacy")
    finally:
        await client.aclose()


def _demo_customer(redis: Redis) -> dict[str, Any]:
    """A customer with orders and a profile whose full name no other customer has."""
    found = list(redis.scan_iter("cs:store:customer:*", count=1000))
    customers = [json.loads(raw) for raw in redis.mget(found)]
    names = Counter(f"{c['first_name']} {c['last_name']}".lower() for c in customers)
    for customer in sorted(customers, key=lambda c: c["id"]):
        full_name = f"{customer['first_name']} {customer['last_name']}"
        if (
            names[full_name.lower()] == 1
            and redis.zcard(KEYS.customer_orders(customer["id"]))
            and redis.exists(KEYS.profile(customer["id"]))
        ):
            return customer
    raise AssertionError("no demo customer with orders, a profile and a unique name")


class Customer:
    """One conversation over the REST channel, every message carrying the signed token."""

    def __init__(self, assistant: Assistant, customer_id: str) -> None:
        self.url = f"{assistant.rasa_url}/webhooks/rest/webhook"
        self.sender = f"e2e-privacy-{uuid.uuid4().hex[:10]}"
        self.token = sign_customer_token(customer_id, DEMO_IDENTITY_SECRET, 600)

    def say(self, text: str) -> str:
        body = {"sender": self.sender, "message": text, "metadata": {"customer_token": self.token}}
        response = httpx.post(self.url, json=body, timeout=30)
        response.raise_for_status()
        return texts(response.json())


class Agent:
    """The demo agent in the web console: signed in, with the session's CSRF token."""

    def __init__(self, assistant: Assistant) -> None:
        account = next(a for a in DEMO_ACCOUNTS if a.role == "agent")
        self.client = httpx.Client(base_url=assistant.web_url, timeout=30)
        form_token = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/login").text)
        assert form_token, "the sign-in page has no form token"
        form = {"username": account.username, "password": account.password, "csrf_token": form_token.group(1)}
        assert self.client.post("/login", data=form).status_code == 303
        page = self.client.get("/agent")
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
        assert page.status_code == 200 and csrf, page.status_code
        self.headers = {"X-CSRF-Token": csrf.group(1)}

    def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        response = self.client.post(path, json=body or {}, headers=self.headers)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response


def _mentions(text: str, customer: dict[str, Any], sender: str) -> list[str]:
    found = [v for v in (customer["email"], f"{customer['first_name']} {customer['last_name']}", sender)
             if v.lower() in text.lower()]  # fmt: skip
    if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(customer['id'])}(?![A-Za-z0-9_-])", text):
        found.append(customer["id"])
    return found


def _database_text(redis_url: str) -> list[str]:
    """Every key of the database with its whole value (stream entries included), one text per key."""

    def decoded(value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")  # embeddings are binary
        if isinstance(value, list | tuple):
            return [decoded(item) for item in value]
        if isinstance(value, dict):
            return {decoded(k): decoded(v) for k, v in value.items()}
        return value

    redis, found = Redis.from_url(redis_url), []
    try:
        for key in redis.scan_iter(count=1000):
            kind = redis.type(key).decode()
            if kind == "string":
                value: Any = redis.get(key)
            elif kind == "list":
                value = redis.lrange(key, 0, -1)
            elif kind == "set":
                value = sorted(redis.smembers(key))
            elif kind == "zset":
                value = redis.zrange(key, 0, -1)
            elif kind == "hash":
                value = redis.hgetall(key)
            elif kind == "stream":
                value = redis.xrange(key)
            else:
                value = kind
            found.append(f"{decoded(key)} {json.dumps(decoded(value), ensure_ascii=False)}")
    finally:
        redis.close()
    return found


def _wait_for_the_event_stream(redis: Redis, sender: str, text: str) -> None:
    """The event broker writes asynchronously: wait until the conversation's last event is there."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(text in fields.get("event", "") for _, fields in redis.xrevrange(KEYS.events, count=200)
               if fields.get("sender_id") == sender):  # fmt: skip
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never reached the event stream")


def test_export_holds_a_signed_in_customer_s_data_and_erasure_leaves_nothing(
    assistant: Assistant, store_redis: Redis, tmp_path: Path
) -> None:
    asyncio.run(_install_rules())
    customer = _demo_customer(store_redis)
    full_name = f"{customer['first_name']} {customer['last_name']}"
    order_id = store_redis.zrange(KEYS.customer_orders(customer["id"]), -1, -1)[0]
    chat = Customer(assistant, customer["id"])

    # An order lookup (the e-mail goes into the tracker), an offer taken, then a person.
    chat.say("where is my order?")
    chat.say(order_id)
    assert f"#{order_id}" in chat.say(customer["email"])
    assert OFFER in chat.say("can you recommend something?")
    chat.say("/accept_offer")
    assert "a person will follow up" in chat.say("can I talk to a real person please")
    assert store_redis.zscore(KEYS.handoff_queue, chat.sender) is not None

    # The agent reads the conversation, takes it and closes it with a note naming the customer.
    agent = Agent(assistant)
    base = f"/api/agent/conversations/{chat.sender}"
    assert agent.client.get(base).status_code == 200
    agent.post(f"{base}/claim")
    agent.post(f"{base}/close", {"note": f"Sorted out the parcel for {full_name} ({customer['email']})."})
    agent.client.close()
    # The bot asks for a rating after the close; the customer gives one.
    chat.say("5")
    assert store_redis.xrevrange(KEYS.csat, count=50) and any(
        fields["conversation_id"] == chat.sender for _, fields in store_redis.xrevrange(KEYS.csat, count=50)
    ), "the CSAT score was not recorded"
    _wait_for_the_event_stream(store_redis, chat.sender, '"5"')
    assert any(_mentions(text, customer, chat.sender) for text in _database_text(E2E_REDIS_URL))

    out = tmp_path / "export.json"
    assert main(["--redis-url", E2E_REDIS_URL, "export", customer["id"], "--out", str(out)]) == EXIT_OK
    document = json.loads(out.read_text())
    assert document["store"]["customer"]["email"] == customer["email"]
    assert order_id in {order["id"] for order in document["store"]["orders"]}
    assert document["profile"]["customer_id"] == customer["id"]
    [conversation] = document["conversations"]
    assert conversation["conversation_id"] == chat.sender and conversation["indexed"]
    tracker_texts = [event.get("text") or "" for event in conversation["tracker"]["events"]]
    assert customer["email"] in tracker_texts and any(OFFER in text for text in tracker_texts)
    assert conversation["emotion_timeline"]
    assert conversation["handoff"]["status"] == "closed" and conversation["handoff_closed_at"]
    assert conversation["csat_rated"] == "5"
    assert list(document["offers"]["seen"]) == [KEYS.offer_seen(RULE_ID, f"customer:{customer['id']}")]
    assert list(document["offers"]["accepted"]) == [KEYS.offer_accepted(RULE_ID, chat.sender)]
    streams = document["streams"]
    assert {e["fields"]["type"] for e in streams["offer_events"]} >= {"exposure", "accept"}
    assert [e["fields"]["score"] for e in streams["csat"]] == ["5"]
    assert {e["fields"]["sender_id"] for e in streams["events"]} == {chat.sender}
    assert {e["fields"]["action"] for e in streams["audit"]} >= {"handoff.claim", "handoff.close"}
    # The customer token is a credential: never in an export.
    assert chat.token not in out.read_text()

    assert main(["--redis-url", E2E_REDIS_URL, "erase", customer["id"], "--yes"]) == EXIT_OK
    left = {text.split(" ", 1)[0]: found for text in _database_text(E2E_REDIS_URL)
            if (found := _mentions(text, customer, chat.sender))}  # fmt: skip
    # Only short-lived counters and locks may still name the conversation (not the customer):
    # the per-conversation message limit's window counter lives 20 s, Rasa's lock 60 s.
    # A counter that expired since the scan has TTL -2: gone, not lasting.
    lasting = {key: found for key, found in left.items()
               if found != [chat.sender] or not -2 <= store_redis.ttl(key) <= 60
               or store_redis.ttl(key) == -1}  # fmt: skip
    assert lasting == {}
    erasures = [f for _, f in store_redis.xrange(KEYS.audit) if f["action"] == "customer.erase"]
    assert len(erasures) == 1 and not _mentions(json.dumps(erasures), customer, chat.sender)
