from __future__ import annotations

import asyncio
import time

import pytest
from itsdangerous import TimestampSigner
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from actions.keys import Keys
from tests.unit.web.accounts.tiny_app import ACCOUNTS_REDIS_URL, SECRET, add_user, make_app, sign_in
from web.accounts.sessions import SESSION_SALT
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore

COOKIE_DOMAIN = "testserver.local"


@pytest.fixture
def agent(client: TestClient) -> str:
    """Sign the client in as agent ``sam``; returns the session's CSRF token."""
    add_user("sam", "agent")
    assert sign_in(client, "sam").status_code == 303
    return str(client.get("/api/me").json()["csrf_token"])


@pytest.fixture
def marketer(client: TestClient) -> str:
    add_user("mia", "marketer")
    assert sign_in(client, "mia").status_code == 303
    return str(client.get("/api/me").json()["csrf_token"])


def test_json_post_needs_the_header(client: TestClient, marketer: str) -> None:
    missing = client.post("/api/offers", json={"id": "x"})
    wrong = client.post("/api/offers", json={"id": "x"}, headers={"X-CSRF-Token": marketer[:-1] + "?"})
    for response in (missing, wrong):
        assert response.status_code == 403
        assert response.json() == {"error": "The request's CSRF token is missing or wrong; reload the page."}
    right = client.post("/api/offers", json={"id": "x"}, headers={"X-CSRF-Token": marketer})
    assert right.status_code == 200 and right.json() == {"saved": {"id": "x"}}


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_every_state_changing_method_is_checked(client: TestClient, marketer: str, method: str) -> None:
    assert client.request(method.upper(), "/api/offers").status_code == 403


def test_reads_are_not_checked(client: TestClient, marketer: str) -> None:
    assert client.get("/api/offers").status_code == 200


def test_urlencoded_form_token_is_checked_and_the_form_still_reaches_the_endpoint(
    client: TestClient, agent: str
) -> None:
    refused = client.post("/agent/notes", data={"note": "hello", "csrf_token": "forged"})
    assert refused.status_code == 403 and "CSRF token is missing or wrong" in refused.text
    assert client.post("/agent/notes", data={"note": "hello"}).status_code == 403
    passed = client.post("/agent/notes", data={"note": "hello", "csrf_token": agent})
    assert passed.status_code == 200 and passed.json() == {"note": "hello", "csrf_token": agent}


def test_multipart_form_token_is_checked_and_the_upload_still_reaches_the_endpoint(
    client: TestClient, agent: str
) -> None:
    files = {"file": ("rules.yml", b"- id: a\n", "text/yaml")}
    refused = client.post("/agent/notes", data={"note": "n"}, files=files)
    assert refused.status_code == 403
    passed = client.post("/agent/notes", data={"note": "n", "csrf_token": agent}, files=files)
    assert passed.status_code == 200 and passed.json()["file"] == "- id: a\n"


def test_a_form_may_send_the_header_instead(client: TestClient, agent: str) -> None:
    passed = client.post("/agent/notes", data={"note": "hi"}, headers={"X-CSRF-Token": agent})
    assert passed.status_code == 200 and passed.json()["note"] == "hi"


def test_a_wrong_header_is_not_rescued_by_a_right_field(client: TestClient, agent: str) -> None:
    response = client.post("/agent/notes", data={"csrf_token": agent}, headers={"X-CSRF-Token": "nope"})
    assert response.status_code == 403


def test_anonymous_posts_reach_the_endpoint_which_decides(client: TestClient) -> None:
    assert client.post("/api/public").json() == {"user": None}
    assert client.post("/api/offers", json={}).status_code == 401


def _signed(session_id: str, key: str = SECRET.get_secret_value(), at: float | None = None) -> str:
    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(at if at is not None else time.time())

    return Signer(key, salt=SESSION_SALT).sign(session_id).decode()


def _session_id(client: TestClient) -> str:
    cookie = client.cookies["bc_session"]
    return TimestampSigner(SECRET.get_secret_value(), salt=SESSION_SALT).unsign(cookie).decode()


def test_forged_or_tampered_cookies_are_anonymous(client: TestClient, agent: str) -> None:
    session_id = _session_id(client)
    for forged in (
        _signed(session_id, key="another-key-of-at-least-32-characters!!"),
        session_id,
        "x.y.z",
        "",
    ):
        client.cookies.set("bc_session", forged, domain=COOKIE_DOMAIN)
        assert client.get("/api/me").status_code == 401
    client.cookies.set("bc_session", _signed(session_id), domain=COOKIE_DOMAIN)
    assert client.get("/api/me").status_code == 200


def test_a_cookie_signed_longer_ago_than_the_lifetime_is_anonymous(client: TestClient, agent: str) -> None:
    # The Redis session still lives; the signature's own timestamp ends it.
    old = _signed(_session_id(client), at=time.time() - 8 * 3600 - 5)
    client.cookies.set("bc_session", old, domain=COOKIE_DOMAIN)
    assert client.get("/api/me").status_code == 401


def test_an_expired_redis_session_is_anonymous(client: TestClient, agent: str, sync_redis: SyncRedis) -> None:
    for key in sync_redis.keys("test:web:session:*"):
        assert 30 * 60 - 5 < sync_redis.ttl(key) <= 30 * 60  # the idle timeout, renewed by each request
        sync_redis.delete(key)
    assert client.get("/api/me").status_code == 401


def test_a_password_change_or_deletion_ends_existing_sessions(
    client: TestClient, sync_redis: SyncRedis
) -> None:
    async def change(action: str) -> None:
        redis = Redis.from_url(ACCOUNTS_REDIS_URL)
        store = UserStore(redis, Keys("test"))
        if action == "password":
            await store.set_password("sam", "another long password")
        else:
            await store.delete("sam")
        await redis.aclose()

    add_user("sam", "agent")
    sign_in(client, "sam")
    asyncio.run(change("password"))
    assert client.get("/api/me").status_code == 401
    assert sync_redis.keys("test:web:session:*") == []
    sign_in(client, "sam", "another long password")
    asyncio.run(change("delete"))
    assert client.get("/api/me").status_code == 401


def test_redis_down_with_a_cookie_is_503_not_a_crash(
    settings: AccountSettings, sync_redis: SyncRedis
) -> None:
    with TestClient(make_app(settings, "redis://127.0.0.1:1/0"), follow_redirects=False) as client:
        client.cookies.set("bc_session", _signed("whatever"), domain=COOKIE_DOMAIN)
        response = client.get("/api/me")
        assert response.status_code == 503 and response.json() == {
            "error": "Sign-in is unavailable; try again soon."
        }
        client.cookies.clear()
        assert client.get("/api/public").json() == {"user": None}  # anonymous pages need no Redis
