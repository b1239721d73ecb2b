"""Abuse of the sign-in form against real Redis: parallel guesses, floods of lock-outs, idle sessions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.testclient import TestClient

from actions.keys import ANONYMOUS_AUDIT_MAXLEN, Keys
from tests.unit.web.accounts.tiny_app import (
    ANONYMOUS_AUDIT,
    PASSWORD,
    SECRET,
    add_user,
    audit_entries,
    form_token,
    make_app,
    sign_in,
)
from web.accounts.audit import audit
from web.accounts.passwords import Passwords
from web.accounts.ratelimit import MAX_FAILURES_PER_USER, LoginLimiter
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore


class CountingPasswords(Passwords):
    """Argon2 as usual, counting every verification."""

    def __init__(self) -> None:
        super().__init__()
        self.verified = 0

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return await super().verify(password_hash, password)


@pytest.fixture
async def app(sync_redis: SyncRedis, settings: AccountSettings) -> AsyncIterator[Starlette]:
    app = make_app(settings)
    yield app
    await app.state.services.aclose()


async def _add_sam(redis: Redis, keys: Keys) -> None:
    await UserStore(redis, keys).create("sam", "Sam Lee", "agent", PASSWORD)


async def test_fifty_parallel_wrong_passwords_verify_at_most_five(
    app: Starlette, redis: Redis, keys: Keys
) -> None:
    await _add_sam(redis, keys)
    passwords = CountingPasswords()
    app.state.services.accounts.passwords = passwords  # before the user store is first built
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = form_token((await client.get("/login")).text)
        form = {"username": "sam", "password": "not the password", "csrf_token": token}
        answers = await asyncio.gather(*(client.post("/login", data=form) for _ in range(50)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [400] * MAX_FAILURES_PER_USER + [429] * (50 - MAX_FAILURES_PER_USER)
    assert passwords.verified == MAX_FAILURES_PER_USER


async def test_the_limiter_counts_each_parallel_attempt_once(redis: Redis, keys: Keys) -> None:
    limiter = LoginLimiter(redis, keys)
    waits = await asyncio.gather(*(limiter.attempt("sam", "10.0.0.1") for _ in range(50)))
    assert waits.count(None) == MAX_FAILURES_PER_USER
    assert all(0 < wait <= 900 for wait in waits if wait is not None)
    await limiter.succeeded("sam", "10.0.0.1")
    # The address keeps the other attempts; a count gone below zero is never left without a TTL.
    assert int(await redis.get(keys.login_attempts("addr:10.0.0.1")) or 0) == 49
    await limiter.succeeded("kim", "10.9.9.9")
    assert await redis.exists(keys.login_attempts("addr:10.9.9.9")) == 0


async def test_ten_thousand_lockout_hits_leave_earlier_audit_entries_in_place(
    app: Starlette, redis: Redis, keys: Keys, sync_redis: SyncRedis
) -> None:
    await _add_sam(redis, keys)
    services = app.state.services
    await services.audit("mia", "offer_rule.save", "apology-voucher", {"version": 3})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = form_token((await client.get("/login")).text)
        form = {"username": "sam", "password": "not the password", "csrf_token": token}
        for _ in range(MAX_FAILURES_PER_USER + 1):  # the real route: failures, then a lock-out
            await client.post("/login", data=form)
    # Then 10,000 more lock-out hits, as the route writes them (the HTTP round trips add nothing).
    for _ in range(10_000):
        await services.audit("sam", "auth.sign_in_locked", "console", {"address": "x"}, anonymous=True)
    # The main log holds what signed-in people did, and only that.
    assert [(e["actor"], e["action"]) for e in audit_entries(sync_redis)] == [("mia", "offer_rule.save")]
    anonymous = audit_entries(sync_redis, ANONYMOUS_AUDIT)
    # Its own stream, capped: a flood trims only its own kind.
    assert ANONYMOUS_AUDIT_MAXLEN <= len(anonymous) < ANONYMOUS_AUDIT_MAXLEN * 1.2
    assert anonymous[-1]["action"] == "auth.sign_in_locked"


async def test_anonymous_entries_have_the_same_fields(
    redis: Redis, keys: Keys, sync_redis: SyncRedis
) -> None:
    await audit(redis, keys, "(empty)", "auth.sign_in_failed", "console", {"address": "a"}, anonymous=True)
    [entry] = audit_entries(sync_redis, ANONYMOUS_AUDIT)
    assert entry["action"] == "auth.sign_in_failed" and json.loads(entry["details"]) == {"address": "a"}
    assert audit_entries(sync_redis) == []


def test_a_session_ends_after_the_idle_timeout_though_its_lifetime_is_not_over(
    sync_redis: SyncRedis,
) -> None:
    add_user("sam", "agent")
    settings = AccountSettings(web_secret_key=SECRET, web_idle_minutes=2 / 60)  # 2 s, for the test
    with TestClient(make_app(settings), follow_redirects=False) as client:
        assert sign_in(client, "sam").status_code == 303
        for _ in range(3):  # each request starts the idle time again: 3 s of use, still signed in
            time.sleep(1.0)
            assert client.get("/api/me").status_code == 200
        time.sleep(2.5)
        assert client.get("/api/me").status_code == 401
        assert sync_redis.keys("test:web:session:*") == []


def test_a_session_in_use_still_ends_at_its_lifetime(
    sync_redis: SyncRedis, settings: AccountSettings
) -> None:
    add_user("sam", "agent")
    with TestClient(make_app(settings), follow_redirects=False) as client:
        assert sign_in(client, "sam").status_code == 303
        [key] = sync_redis.keys("test:web:session:*")
        assert 30 * 60 - 5 < sync_redis.ttl(key) <= 30 * 60  # the idle timeout, not the lifetime
        sync_redis.expire(key, 60)
        assert client.get("/api/me").status_code == 200
        assert sync_redis.ttl(key) > 30 * 60 - 5  # renewed by the request
        session = json.loads(sync_redis.get(key) or b"{}")
        session["created_at"] = "2020-01-01T00:00:00Z"  # older than WEB_SESSION_HOURS
        sync_redis.set(key, json.dumps(session), ex=600)
        assert client.get("/api/me").status_code == 401
        assert not sync_redis.exists(key)


def test_idle_minutes_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_IDLE_MINUTES", "15")
    assert AccountSettings(web_secret_key=SECRET).idle_timeout_s == 900
    assert AccountSettings(web_secret_key=SECRET, web_session_hours=0.1).idle_timeout_s == 360
