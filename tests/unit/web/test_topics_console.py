"""The marketer console's topics pages in the real app: roles, CSRF-checked and audited changes, escaping.

Topics are built by the real topics job (a word-hashing encoder instead of the model) on the
database named by ``--redis-url`` (``TEST_REDIS_URL``), flushed before and after.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx
import pytest
from pydantic import SecretStr
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from actions.insights.masking import Masker
from actions.insights.models import EmergingFlag
from actions.insights.overrides import TopicBoard
from actions.keys import Keys
from jobs.topic_run import RunOptions, run_topics
from tests.unit.insights.fakes import WordHashEncoder, append_messages, subject_messages
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.app import BUNDLES, create_app
from web.settings import WebSettings

KEYS = Keys("test")
PASSWORD = "correct horse battery"
SECRET = SecretStr("test-secret-key-0123456789-abcdefghijklmnop")
ADMIN, AGENT, MARKETER = "ada.admin", "sam.lee", "mia.ross"
ENV_VARS = ("CS_ENV", "CS_KEY_PREFIX", "REDIS_URL", "WEB_SECRET_KEY", "WEB_COOKIE_SECURE", "DEMO_STORE")


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--redis-url"))


async def _create_users(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        users = UserStore(redis, KEYS)
        for username, role in ((ADMIN, "admin"), (AGENT, "agent"), (MARKETER, "marketer")):
            await users.create(username, username.replace(".", " ").title(), role, PASSWORD)
    finally:
        await redis.aclose()


def _seed_topics(redis: SyncRedis) -> None:
    """Two topics from yesterday's messages: late parcels (12 conversations) and refunds (6)."""
    yesterday = time.time() - 86_400
    texts = subject_messages("late", 12) + subject_messages("refund", 6)
    append_messages(redis, KEYS, texts, yesterday)
    run_topics(redis, KEYS, WordHashEncoder(), Masker(), RunOptions(now=yesterday + 3600))


def _on_board(redis_url: str, step: str, *args: str | None) -> object:
    async def run() -> object:
        redis = Redis.from_url(redis_url)
        try:
            board = TopicBoard(redis, KEYS)
            views = await board.topics()
            if step == "ids":
                return {word: view.id for view in views for word in view.words}
            if step == "rename":
                await board.rename(*args)  # type: ignore[arg-type]
            return {view.id: view.name for view in await board.topics()}
        finally:
            await redis.aclose()

    return asyncio.run(run())


def _audit(sync_redis: SyncRedis) -> list[dict[str, str]]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], sync_redis.xrange(KEYS.audit))
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


@dataclass
class Console:
    client: TestClient
    redis_url: str
    csrf: str = ""

    def sign_in(self, username: str, page: str = "/marketing/topics") -> None:
        self.client.cookies.clear()
        token = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get("/login").text)
        assert token, "the sign-in page has no form token"
        form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
        assert self.client.post("/login", data=form).status_code == 303
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', self.client.get(page).text)
        assert meta, f"{page} has no CSRF token"
        self.csrf = meta.group(1)

    def post(self, path: str, with_csrf: bool = True, **fields: str) -> httpx.Response:
        data = {**fields, **({"csrf_token": self.csrf} if with_csrf else {})}
        return self.client.post(path, data=data)


@pytest.fixture
def console(
    sync_redis: SyncRedis, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Console]:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    asyncio.run(_create_users(redis_url))
    settings = WebSettings(
        web_build_dir=tmp_path,
        redis_url=redis_url,
        cs_key_prefix=KEYS.prefix,
        accounts=AccountSettings(web_secret_key=SECRET),
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield Console(client, redis_url)


def test_the_empty_state_says_how_to_build_topics(console: Console, sync_redis: SyncRedis) -> None:
    console.sign_in(MARKETER)
    page = console.client.get("/marketing/topics")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'data-testid="topics-empty"' in page.text
    assert "No topics yet" in page.text and "<code>python -m jobs.topics run</code>" in page.text
    assert 'href="/marketing/topics"' in page.text  # in the top bar


def test_agents_are_refused_and_marketers_see_every_topic(console: Console, sync_redis: SyncRedis) -> None:
    _seed_topics(sync_redis)
    ids = cast(dict[str, str], _on_board(console.redis_url, "ids"))
    late, refund = ids["late"], ids["refund"]
    signed_out = console.client.get("/marketing/topics")
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login?next=")

    console.sign_in(AGENT, "/agent")
    assert console.client.get("/marketing/topics").status_code == 403
    assert console.client.get(f"/marketing/topics/{late}").status_code == 403
    assert console.post(f"/marketing/topics/{late}/rename", name="Mine").status_code == 403

    console.sign_in(MARKETER)
    page = console.client.get("/marketing/topics")
    assert page.status_code == 200
    rows = re.findall(r'data-testid="topic-row" data-topic-id="(t-\d+)"', page.text)
    assert rows == [late, refund]  # by volume
    assert (
        page.text.count('data-testid="topic-chart"') == 2 and page.text.count('data-testid="topic-days"') == 2
    )
    assert "parcel" in page.text and "carrier" in page.text
    assert re.search(r"<td>12 / \d+ <span", page.text) and re.search(r"<td>6 / \d+ <span", page.text)
    assert "<script" not in page.text.split("</head>", 1)[1]  # plain HTML: nothing for the CSP to block


def test_the_drill_down_links_conversations_only_for_roles_that_may_read_them(
    console: Console, sync_redis: SyncRedis
) -> None:
    _seed_topics(sync_redis)
    late = cast(dict[str, str], _on_board(console.redis_url, "ids"))["late"]
    console.sign_in(MARKETER)
    page = console.client.get(f"/marketing/topics/{late}")
    assert page.status_code == 200
    assert 'data-testid="topic-examples"' in page.text and "parcel late carrier" in page.text
    assert 'data-testid="conversation-link"' not in page.text and "c-0" not in page.text
    assert "12 conversations over the last 30 days" in page.text
    assert console.client.get("/api/agent/conversations/c-0").status_code == 403  # refused as before

    console.sign_in(ADMIN)
    page = console.client.get(f"/marketing/topics/{late}")
    links = re.findall(r'href="/agent#conversation=(c-\d+)" data-testid="conversation-link"', page.text)
    assert sorted(links) == sorted(f"c-{n}" for n in range(12))
    assert console.client.get("/marketing/topics/t-999").status_code == 404


def test_a_rename_needs_the_csrf_token_and_is_audited(console: Console, sync_redis: SyncRedis) -> None:
    _seed_topics(sync_redis)
    late = cast(dict[str, str], _on_board(console.redis_url, "ids"))["late"]
    console.sign_in(MARKETER)
    path = f"/marketing/topics/{late}/rename"
    assert console.post(path, with_csrf=False, name="Late deliveries").status_code == 403
    assert (
        console.client.post(path, data={"name": "Late deliveries", "csrf_token": "forged"}).status_code == 403
    )
    assert not [e for e in _audit(sync_redis) if e["action"].startswith("topic.")]

    done = console.post(path, name="  Late   deliveries ", back="topic")
    assert done.status_code == 303 and done.headers["location"] == f"/marketing/topics/{late}"
    page = console.client.get(f"/marketing/topics/{late}")
    assert '<h1 data-testid="topic-title">Late deliveries</h1>' in page.text
    (entry,) = [e for e in _audit(sync_redis) if e["action"].startswith("topic.")]
    assert (entry["actor"], entry["action"], entry["target"]) == (MARKETER, "topic.rename", late)
    assert json.loads(entry["details"])["name"] == "Late deliveries"

    refused = console.post(path, name="x" * 81)
    assert refused.status_code == 400
    assert 'role="alert" data-testid="topic-error">name: at most 80 printable characters<' in refused.text


def test_a_merge_and_its_undo_are_audited_and_a_loop_is_refused(
    console: Console, sync_redis: SyncRedis
) -> None:
    _seed_topics(sync_redis)
    ids = cast(dict[str, str], _on_board(console.redis_url, "ids"))
    late, refund = ids["late"], ids["refund"]
    console.sign_in(MARKETER)
    merged = console.post(f"/marketing/topics/{refund}/merge", into=late, back="topic")
    assert merged.status_code == 303 and merged.headers["location"] == f"/marketing/topics/{late}"
    page = console.client.get("/marketing/topics")
    assert re.findall(r'data-topic-id="(t-\d+)"', page.text) == [late]
    assert re.search(r"<td>18 / \d+ <span", page.text)
    assert (
        console.client.get(f"/marketing/topics/{refund}").headers["location"] == f"/marketing/topics/{late}"
    )

    loop = console.post(f"/marketing/topics/{late}/merge", into=refund, back="topic")
    assert loop.status_code == 400 and "already merged into it" in loop.text
    empty = console.post(f"/marketing/topics/{late}/merge", into="", back="list")
    assert empty.status_code == 400 and "merge: choose the topic to merge it into" in empty.text

    undone = console.post(f"/marketing/topics/{refund}/unmerge", back="list")
    assert undone.status_code == 303
    page = console.client.get("/marketing/topics")
    assert re.findall(r'data-topic-id="(t-\d+)"', page.text) == [late, refund]
    actions = [(e["action"], e["target"]) for e in _audit(sync_redis) if e["action"].startswith("topic.")]
    assert actions == [("topic.merge", refund), ("topic.unmerge", refund)]


def test_a_topic_name_is_escaped(console: Console, sync_redis: SyncRedis) -> None:
    _seed_topics(sync_redis)
    late = cast(dict[str, str], _on_board(console.redis_url, "ids"))["late"]
    _on_board(console.redis_url, "rename", late, '<script>alert("x")</script>')
    console.sign_in(MARKETER)
    for path in ("/marketing/topics", f"/marketing/topics/{late}"):
        page = console.client.get(path)
        assert "<script>alert" not in page.text, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text, path


def test_an_emerging_topic_comes_first_with_its_evidence_in_words(
    console: Console, sync_redis: SyncRedis
) -> None:
    _seed_topics(sync_redis)
    refund = cast(dict[str, str], _on_board(console.redis_url, "ids"))["refund"]
    flag = EmergingFlag(
        topic_id=refund,
        day="2026-12-01",
        measure="messages",
        count=20,
        exposure=40,
        expected=3.04,
        baseline_count=84,
        baseline_exposure=1100,
        baseline_days=28,
        ratio=6.58,
        p_value=1e-9,
    )
    sync_redis.set(KEYS.insights_emerging, json.dumps([flag.model_dump()]))
    console.sign_in(MARKETER)
    page = console.client.get("/marketing/topics")
    assert re.findall(r'data-topic-id="(t-\d+)"', page.text)[0] == refund  # emerging first
    words = (
        "20 messages on 2026-12-01: 6.6 times the 3.0 expected from its previous 28 days with traffic "
        "(84 then, scaled to that day&#39;s traffic); p &lt; 0.001"
    )
    assert page.text.count('data-testid="emerging-evidence"') == 1 and words in page.text
    assert words in console.client.get(f"/marketing/topics/{refund}").text
