"""The agent console's live stream ends when its session does: sign-out, a deleted or changed account."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from tests.unit.web.agent.test_routes import KEYS, PASSWORD, REDIS_URL, SECRET, ConsoleServices, _seed
from web.accounts.models import StoredUser
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.agent import live
from web.app import BUNDLES, create_app
from web.pages import content_security_policy
from web.settings import WebSettings

# The stream must notice within 15 s; the test shortens both waits to keep it quick.
FAST_BLOCK_MS = 200
FAST_RECHECK_S = 0.2
CLOSE_WITHIN_S = 5.0


def test_a_stream_notices_the_end_of_its_session_within_fifteen_seconds() -> None:
    assert live.BLOCK_MS / 1000 + live.SESSION_RECHECK_S <= 15


@pytest.fixture
async def agent(
    sync_redis: SyncRedis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, str, Redis]]:
    """A client signed in as agent sam.lee in the real app, its CSRF token, and a Redis client."""
    monkeypatch.setattr(live, "BLOCK_MS", FAST_BLOCK_MS)
    monkeypatch.setattr(live, "SESSION_RECHECK_S", FAST_RECHECK_S)
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    redis = Redis.from_url(REDIS_URL)
    await _seed(redis)
    settings = WebSettings(
        web_build_dir=tmp_path,
        redis_url=REDIS_URL,
        cs_key_prefix=KEYS.prefix,
        accounts=AccountSettings(web_secret_key=SECRET),
    )
    services = ConsoleServices(settings)
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', (await client.get("/login")).text)
        assert token
        form = {"username": "sam.lee", "password": PASSWORD, "csrf_token": token.group(1)}
        assert (await client.post("/login", data=form)).status_code == 303
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', (await client.get("/agent")).text)
        assert meta
        yield client, meta.group(1), redis
    await services.aclose()
    await redis.aclose()


async def _closes_after(client: httpx.AsyncClient, end: Callable[[], Awaitable[object]]) -> httpx.Response:
    """Open the stream, check it stays open, ``end`` the session; return the stream's whole answer."""
    stream = asyncio.create_task(client.get("/api/agent/stream"))
    await asyncio.sleep(4 * FAST_RECHECK_S)
    assert not stream.done(), "the stream closed while its session stood"
    await end()
    response = await asyncio.wait_for(stream, CLOSE_WITHIN_S)
    assert response.status_code == 200
    assert "event: signed_out" in response.text
    return response


async def test_the_stream_closes_after_sign_out(agent: tuple[httpx.AsyncClient, str, Redis]) -> None:
    client, csrf, _ = agent

    async def sign_out() -> None:
        assert (await client.post("/logout", data={"csrf_token": csrf})).status_code == 303

    response = await _closes_after(client, sign_out)
    # An SSE answer carries the same headers as every other one.
    assert response.headers["content-security-policy"] == content_security_policy("http://localhost:5005")
    assert response.headers["cache-control"] == "no-store"


async def test_the_stream_closes_after_the_account_is_deleted(
    agent: tuple[httpx.AsyncClient, str, Redis],
) -> None:
    client, _, redis = agent
    await _closes_after(client, lambda: UserStore(redis, KEYS).delete("sam.lee"))


async def test_the_stream_closes_after_the_role_changes(agent: tuple[httpx.AsyncClient, str, Redis]) -> None:
    client, _, redis = agent

    async def make_marketer() -> None:
        raw = await redis.get(KEYS.web_user("sam.lee"))
        stored = StoredUser.model_validate_json(raw or b"")
        await redis.set(
            KEYS.web_user("sam.lee"), stored.model_copy(update={"role": "marketer"}).model_dump_json()
        )

    await _closes_after(client, make_marketer)


async def test_the_streams_own_checks_do_not_keep_an_idle_session_alive(
    agent: tuple[httpx.AsyncClient, str, Redis],
) -> None:
    client, _, redis = agent
    [key] = await redis.keys(KEYS.web_session("*"))

    async def idle_out() -> None:
        await redis.pexpire(key, 300)  # as if the idle timeout were about to pass

    await _closes_after(client, idle_out)
