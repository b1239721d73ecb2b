from __future__ import annotations

import json

import pytest
from redis import Redis as SyncRedis
from starlette.testclient import TestClient

from tests.unit.web.accounts.tiny_app import (
    ANONYMOUS_AUDIT,
    PASSWORD,
    SECRET,
    add_user,
    audit_entries,
    error_text,
    form_token,
    make_app,
    sign_in,
)
from web.accounts.routes import BAD_CREDENTIALS, FORM_EXPIRED, safe_next
from web.accounts.settings import AccountSettings

# Where httpx keeps TestClient's cookies; setting ours there replaces the server's.
COOKIE_DOMAIN = "testserver.local"


def test_login_page_is_accessible_and_sets_the_form_cookie(client: TestClient) -> None:
    page = client.get("/login?next=/marketing")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<label for="login-username">Username</label>' in html and 'id="login-username"' in html
    assert (
        '<label for="login-password">Password</label>' in html and 'autocomplete="current-password"' in html
    )
    assert 'role="alert"' in html and error_text(html) == ""
    assert 'name="next" value="/marketing"' in html
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("bc_login_csrf=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    # The cookie holds the form's token signed with the server key, so it cannot be planted.
    assert cookie.startswith(f"bc_login_csrf={form_token(html)}.")


def test_success_sets_a_hardened_session_cookie_and_goes_home(
    client: TestClient, sync_redis: SyncRedis
) -> None:
    add_user("mia", "marketer")
    response = sign_in(client, "mia")
    assert response.status_code == 303 and response.headers["location"] == "/marketing"
    session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("bc_session="))
    attributes = [part.strip() for part in session_cookie.split(";")]
    assert {"HttpOnly", "SameSite=lax", "Path=/", "Max-Age=28800"} <= set(attributes)
    assert "Secure" not in attributes
    assert any(c.startswith('bc_login_csrf=""') for c in response.headers.get_list("set-cookie"))
    assert client.get("/api/me").json()["username"] == "mia"
    assert len(sync_redis.keys("test:web:session:*")) == 1
    entry = audit_entries(sync_redis)[-1]
    assert (
        entry["actor"] == "mia"
        and entry["action"] == "auth.sign_in"
        and json.loads(entry["details"])["role"] == "marketer"
    )
    assert int(entry["at"]) > 0


def test_usernames_are_case_insensitive_at_sign_in(client: TestClient) -> None:
    add_user("sam", "agent")
    assert sign_in(client, "  Sam ").headers["location"] == "/agent"


def test_secure_cookie_when_configured(sync_redis: SyncRedis) -> None:
    add_user("mia", "marketer")
    settings = AccountSettings(web_secret_key=SECRET, web_cookie_secure=True, web_session_hours=2)
    with TestClient(make_app(settings), base_url="https://testserver", follow_redirects=False) as client:
        response = sign_in(client, "mia")
    session_cookie = next(c for c in response.headers.get_list("set-cookie") if "bc_session=" in c)
    assert session_cookie.startswith("__Host-bc_session=")
    assert "Secure" in session_cookie and "Max-Age=7200" in session_cookie


def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: TestClient, sync_redis: SyncRedis
) -> None:
    add_user("sam", "agent")
    wrong = sign_in(client, "sam", "not the password")
    unknown = sign_in(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    assert error_text(wrong.text) == error_text(unknown.text) == BAD_CREDENTIALS
    assert "bc_session" not in client.cookies
    failed = audit_entries(sync_redis, ANONYMOUS_AUDIT)
    assert [e["action"] for e in failed] == ["auth.sign_in_failed", "auth.sign_in_failed"]
    assert audit_entries(sync_redis) == []  # anonymous traffic stays out of the main log


def test_five_failures_lock_the_username_even_for_the_right_password(
    client: TestClient, sync_redis: SyncRedis, caplog: pytest.LogCaptureFixture
) -> None:
    add_user("sam", "agent")
    for _ in range(5):
        assert sign_in(client, "sam", "not the password").status_code == 400
    locked = sign_in(client, "sam", PASSWORD)
    assert locked.status_code == 429
    assert error_text(locked.text).startswith("Too many failed sign-ins. Try again in 15 minutes")
    assert 0 < int(locked.headers["retry-after"]) <= 900
    assert "refused: too many failures" in caplog.text
    assert audit_entries(sync_redis, ANONYMOUS_AUDIT)[-1]["action"] == "auth.sign_in_locked"
    assert 0 < sync_redis.ttl("test:web:login_attempts:user:sam") <= 900
    # Other usernames from the same address are not locked by one user's failures.
    add_user("mia", "marketer")
    assert sign_in(client, "mia").status_code == 303


def test_success_resets_the_username_counter(client: TestClient, sync_redis: SyncRedis) -> None:
    add_user("sam", "agent")
    for _ in range(4):
        sign_in(client, "sam", "not the password")
    assert sign_in(client, "sam").status_code == 303
    assert not sync_redis.exists("test:web:login_attempts:user:sam")
    assert sync_redis.get("test:web:login_attempts:addr:testclient") == b"4"
    for _ in range(4):
        assert sign_in(client, "sam", "not the password").status_code == 400


def test_twenty_failures_lock_the_address(client: TestClient) -> None:
    add_user("sam", "agent")
    for n in range(20):
        assert sign_in(client, f"guess{n}", "not the password").status_code == 400
    assert sign_in(client, "sam").status_code == 429


def test_login_form_needs_its_double_submit_token(client: TestClient) -> None:
    add_user("sam", "agent")
    token = form_token(client.get("/login").text)
    missing = client.post("/login", data={"username": "sam", "password": PASSWORD})
    wrong = client.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token + "x"})
    for response in (missing, wrong):
        assert response.status_code == 403 and error_text(response.text) == FORM_EXPIRED
    client.cookies.clear()  # a token without its cookie is no good either
    no_cookie = client.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token})
    assert no_cookie.status_code == 403


def test_next_is_followed_only_for_local_paths(client: TestClient) -> None:
    add_user("mia", "marketer")
    assert (
        sign_in(client, "mia", next_path="/marketing?tab=rules").headers["location"] == "/marketing?tab=rules"
    )
    assert sign_in(client, "mia", next_path="//evil.com").headers["location"] == "/marketing"
    assert sign_in(client, "mia", next_path="https://evil.com/").headers["location"] == "/marketing"
    assert 'name="next" value=""' in client.get("/login?next=//evil.com").text


@pytest.mark.parametrize(
    "value",
    [
        "",
        "//evil.com",
        "https://evil.com",
        "evil.com",
        "/\\evil.com",
        "/\t/evil.com",
        "/\n/evil.com",
        "javascript:x",
    ],
)
def test_safe_next_refuses(value: str) -> None:
    assert safe_next(value) is None


@pytest.mark.parametrize("value", ["/", "/agent", "/marketing/dashboard?range=7d#top"])
def test_safe_next_accepts_local_paths(value: str) -> None:
    assert safe_next(value) == value


def test_signing_in_again_rotates_the_session(client: TestClient, sync_redis: SyncRedis) -> None:
    add_user("sam", "agent")
    sign_in(client, "sam")
    first = client.cookies["bc_session"]
    sign_in(client, "sam")
    second = client.cookies["bc_session"]
    assert first != second and len(sync_redis.keys("test:web:session:*")) == 1
    client.cookies.set("bc_session", first, domain=COOKIE_DOMAIN)
    assert client.get("/api/me").status_code == 401


def test_a_planted_session_cookie_is_replaced_at_sign_in(client: TestClient) -> None:
    add_user("sam", "agent")
    client.cookies.set("bc_session", "attacker-chosen-id.signature", domain=COOKIE_DOMAIN)
    sign_in(client, "sam")
    assert client.cookies["bc_session"] != "attacker-chosen-id.signature"
    assert client.get("/api/me").json()["username"] == "sam"


def test_logout_ends_the_session_on_the_server(client: TestClient, sync_redis: SyncRedis) -> None:
    add_user("sam", "agent")
    sign_in(client, "sam")
    cookie = client.cookies["bc_session"]
    token = client.get("/api/me").json()["csrf_token"]
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert 'bc_session=""' in response.headers["set-cookie"]
    assert sync_redis.keys("test:web:session:*") == []
    assert audit_entries(sync_redis)[-1]["action"] == "auth.sign_out"
    client.cookies.set("bc_session", cookie, domain=COOKIE_DOMAIN)  # a copy kept by someone is dead too
    assert client.get("/api/me").status_code == 401


def test_logout_without_the_csrf_token_is_refused(client: TestClient, sync_redis: SyncRedis) -> None:
    add_user("sam", "agent")
    sign_in(client, "sam")
    assert client.post("/logout").status_code == 403
    assert len(sync_redis.keys("test:web:session:*")) == 1


def test_redis_down_gives_a_clear_page(sync_redis: SyncRedis, settings: AccountSettings) -> None:
    with TestClient(make_app(settings, "redis://127.0.0.1:1/0"), follow_redirects=False) as client:
        token = form_token(client.get("/login").text)
        response = client.post("/login", data={"username": "sam", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 503 and "not possible right now" in error_text(response.text)
