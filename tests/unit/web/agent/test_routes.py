"""The agent console's API in the real app, with Rasa's HTTP API answered from memory.

Takeover, hand-back and closing as the customer and the audit log see them, and the
customer's profile as the bot sees it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import SecretStr
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from actions.emotion.detector import EmotionReading
from actions.emotion.timeline import EmotionTimeline, TimelineEntry
from actions.handoff.queue import HandoffQueue, HandoffRequest
from actions.keys import Keys
from actions.services import Services
from actions.settings import Settings
from actions.store.models import Customer, StorePolicy
from tests.unit.web.marketing.segment_fixture import write_fixture
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.agent.rasa_api import RasaApi, RasaUnavailable
from web.app import BUNDLES, create_app
from web.services import WebServices
from web.settings import WebSettings

# The database the package's fixtures flush (tests/unit/web/conftest.py), the app's too.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
KEYS = Keys("cs")
PASSWORD = "correct horse battery"
SECRET = SecretStr("test-secret-key-0123456789-abcdefghijklmnop")
CID = "conv-1"
# order_id is filled from the customer's words (an agent may correct it); customer_id never is.
DOMAIN = {
    "slots": {
        "order_id": {"mappings": [{"type": "from_entity", "entity": "order_id"}]},
        "customer_id": {"mappings": [{"type": "from_entity", "entity": "customer_id"}]},
    }
}


class FakeRasa(RasaApi):
    """Rasa's HTTP API from memory: trackers by conversation, and what the console sent."""

    def __init__(self) -> None:
        super().__init__("http://rasa.test", "test-token", 1.0)
        self.trackers: dict[str, dict[str, Any]] = {}
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []
        self.triggered: list[tuple[str, str]] = []
        self.down = False

    def _answer(self) -> None:
        if self.down:
            raise RasaUnavailable("Rasa is down (test)")

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        self._answer()
        return self.trackers.get(conversation_id, {"events": [], "slots": {}})

    async def domain(self) -> dict[str, Any]:
        self._answer()
        return DOMAIN

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        self._answer()
        self.appended.append((conversation_id, events))

    async def trigger_intent(self, conversation_id: str, intent: str) -> None:
        self._answer()
        self.triggered.append((conversation_id, intent))


class ConsoleServices(WebServices):
    """The app's own services, but Rasa is the fake."""

    @cached_property
    def rasa(self) -> RasaApi:
        return FakeRasa()


@dataclass
class Console:
    client: TestClient
    rasa: FakeRasa
    csrf: str = ""

    def sign_in(self, username: str) -> None:
        """Sign in through the form (ending whoever was signed in) and keep the session's CSRF token."""
        self.client.cookies.clear()
        page = self.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "the sign-in page has no form token"
        form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
        assert self.client.post("/login", data=form).status_code == 303
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', self.client.get("/agent").text)
        assert meta, "the console page has no CSRF token"
        self.csrf = meta.group(1)

    def post(self, action: str, body: dict[str, Any] | None = None) -> Any:
        path = f"/api/agent/conversations/{CID}/{action}"
        return self.client.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})


def _run(step: Any) -> None:
    """Write with a client of its own, in an event loop of its own (the app has its own)."""

    async def run() -> None:
        redis = Redis.from_url(REDIS_URL)
        try:
            await step(redis)
        finally:
            await redis.aclose()

    asyncio.run(run())


async def _seed(redis: Redis) -> None:
    users = UserStore(redis, KEYS)
    await users.create("sam.lee", "Sam Lee", "agent", PASSWORD)
    await users.create("kim.park", "Kim Park", "agent", PASSWORD)
    await HandoffQueue(redis, KEYS).enqueue(
        HandoffRequest(conversation_id=CID, reason="customer asked for a person", emotion="anger")
    )
    reading = EmotionReading.neutral().model_copy(update={"sentiment": -0.7, "dominant": "anger"})
    await EmotionTimeline(redis, KEYS).append(CID, TimelineEntry(reading=reading, intent="complain"), 1)


def _policy(sync_redis: SyncRedis) -> None:
    policy = StorePolicy(
        store_name="Brightcart",
        return_window_days=30,
        help_centre_url="https://help.example.com",
        refund_days="5-10 business days",
    )
    sync_redis.set(KEYS.policy, policy.model_dump_json())


def _audit(sync_redis: SyncRedis) -> list[tuple[str, str]]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], sync_redis.xrange(KEYS.audit))
    return [(fields[b"actor"].decode(), fields[b"action"].decode()) for _, fields in entries]


@pytest.fixture
def console(sync_redis: SyncRedis, tmp_path: Path) -> Iterator[Console]:
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    _run(_seed)
    settings = WebSettings(
        web_build_dir=tmp_path,
        redis_url=REDIS_URL,
        cs_key_prefix=KEYS.prefix,
        accounts=AccountSettings(web_secret_key=SECRET),
    )
    services = ConsoleServices(settings)
    with TestClient(create_app(settings, services), follow_redirects=False) as client:
        yield Console(client, cast(FakeRasa, services.rasa))


def test_the_console_shows_the_customer_the_bot_sees_even_one_new_since_the_segmentation_run(
    console: Console, sync_redis: SyncRedis
) -> None:
    write_fixture(sync_redis, KEYS)
    newcomer = Customer(
        id="N1", first_name="Ada", last_name="Byron", email="ada@example.com", country="GB",
        created_at=date(2026, 11, 1),
    )  # fmt: skip
    sync_redis.set(KEYS.customer("N1"), newcomer.model_dump_json())
    console.rasa.trackers[CID] = {"events": [], "slots": {"signed_in": True, "customer_id": "N1"}}
    console.sign_in("sam.lee")

    view = console.client.get(f"/api/agent/conversations/{CID}").json()
    # No profile was stored for N1: the console assigns one as the bot does, instead of showing none.
    assert view["profile"] is not None and view["profile"]["customer_id"] == "N1"

    async def bot_lookup() -> dict[str, Any]:
        services = Services(Settings(redis_url=REDIS_URL, cs_key_prefix=KEYS.prefix))
        try:
            profile = await services.profile("N1")
        finally:
            await services.redis.aclose()
        assert profile is not None
        return profile.model_dump(mode="json", exclude={"purchased_product_ids"})

    assert asyncio.run(bot_lookup()) == view["profile"]
    assert [(e["dominant"], e["intent"]) for e in view["emotion_timeline"]] == [("anger", "complain")]


def test_claim_and_hand_back_tell_the_customer_with_the_store_named_as_in_its_policy(
    console: Console, sync_redis: SyncRedis
) -> None:
    _policy(sync_redis)
    console.sign_in("sam.lee")
    assert console.post("claim").json()["outcome"] == "claimed"
    (cid, [joined]), *_ = console.rasa.appended
    assert cid == CID and joined["text"] == "Sam Lee from our team has joined the chat."
    assert joined["metadata"] == {"handoff": "joined", "agent": {"name": "Sam Lee"}}

    console.sign_in("kim.park")
    taken = console.post("claim")
    assert taken.status_code == 409 and taken.json()["error"] == "Sam Lee has this conversation"
    assert console.post("handback").json()["error"] == "Sam Lee has this conversation"

    console.sign_in("sam.lee")
    refused = console.post("handback", {"slots": {"customer_id": "C1"}})
    assert refused.status_code == 422
    assert refused.json()["details"] == [{"field": "slots.customer_id", "message": "not editable"}]
    assert console.post("handback", {"slots": {"order_id": "10042"}}).json() == {"handed_back": True}
    _, events = console.rasa.appended[-1]
    assert events == [
        {"event": "slot", "name": "order_id", "value": "10042"},
        {
            "event": "bot",
            "text": "Sam Lee has handed you back to the Brightcart assistant. Ask me anything.",
            "metadata": {"handoff": "left", "agent": {"name": "Sam Lee"}},
        },
        {"event": "resume"},
    ]
    assert console.client.get("/api/agent/queue").json() == {"items": []}
    assert ("sam.lee", "handoff.claim") in _audit(sync_redis)
    assert ("sam.lee", "handoff.handback") in _audit(sync_redis)


def test_without_a_readable_policy_the_hand_back_notice_names_no_store(console: Console) -> None:
    console.sign_in("sam.lee")
    console.post("claim")
    assert console.post("handback").status_code == 200
    _, events = console.rasa.appended[-1]
    assert events[0]["text"] == "Sam Lee has handed you back to our assistant. Ask me anything."


def test_closing_asks_for_a_rating_and_a_silent_rasa_leaves_the_conversation_open(
    console: Console, sync_redis: SyncRedis
) -> None:
    console.sign_in("sam.lee")
    console.post("claim")
    console.rasa.down = True
    failed = console.post("close", {"note": "refund issued"})
    assert failed.status_code == 503
    assert failed.json() == {"error": "the assistant is not answering; the conversation stays open"}
    assert sync_redis.hget(KEYS.handoff(CID), "status") == b"claimed"

    console.rasa.down = False
    assert console.post("close", {"note": "refund issued"}).json() == {"closed": True}
    _, events = console.rasa.appended[-1]
    assert events[0]["text"] == "Sam Lee has closed this conversation. Thank you for your patience."
    assert events[1:] == [{"event": "resume"}]
    assert console.rasa.triggered == [(CID, "give_feedback")]
    closing = json.loads(cast(bytes, sync_redis.hget(KEYS.handoff(CID), "closed")))
    assert (closing["agent"], closing["note"]) == ("sam.lee", "refund issued")
    assert ("sam.lee", "handoff.close") in _audit(sync_redis)


def test_reads_of_a_customers_conversation_and_agent_replies_are_audited(
    console: Console, sync_redis: SyncRedis
) -> None:
    console.rasa.trackers[CID] = {"events": [], "slots": {"signed_in": True, "customer_id": "C10042"}}
    console.sign_in("sam.lee")
    assert console.client.get(f"/api/agent/conversations/{CID}").status_code == 200
    console.post("claim")
    assert console.post("reply", {"text": "Let me look into it."}).json() == {"delivered": True}
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], sync_redis.xrange(KEYS.audit))
    logged = [
        (f[b"actor"].decode(), f[b"action"].decode(), f[b"target"].decode(), json.loads(f[b"details"]))
        for _, f in entries
        if not f[b"action"].startswith(b"auth.")
    ]
    assert logged == [
        ("sam.lee", "conversation.read", CID, {"customer_id": "C10042"}),
        ("sam.lee", "handoff.claim", CID, {}),
        # Who wrote to whom, and how much; the words themselves are in the conversation.
        ("sam.lee", "conversation.reply", CID, {"characters": 20}),
    ]
