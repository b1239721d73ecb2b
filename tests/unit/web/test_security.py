"""Security headers on every response, no-store on personal data, body caps, Secure cookies in production."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator, Mapping
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import SecretStr
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from actions.keys import Keys
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.app import BUNDLES, create_app
from web.pages import SECURITY_HEADERS, content_security_policy, security_headers
from web.security import LARGER_BODIES, MAX_BODY_BYTES, SecurityHeadersMiddleware
from web.settings import WebSettings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = SecretStr("test-secret-key-0123456789-abcdefghijklmnop")
PASSWORD = "correct horse battery"
RASA = "http://rasa.test:5005"


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    return tmp_path


@pytest.fixture
def client(build_dir: Path, sync_redis: Redis) -> Iterator[TestClient]:
    settings = WebSettings(
        web_build_dir=build_dir,
        rasa_public_url=RASA,
        redis_url=REDIS_URL,
        demo_store=True,
        accounts=AccountSettings(web_secret_key=SECRET),
    )
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def _add_user(username: str, role: str) -> None:
    async def create() -> None:
        redis = AsyncRedis.from_url(REDIS_URL)
        try:
            await UserStore(redis, Keys("cs")).create(username, "Ada Admin", role, PASSWORD)
        finally:
            await redis.aclose()

    asyncio.run(create())


def _form_token(html: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token, "the page has no form token"
    return token.group(1)


def _sign_in(client: TestClient, username: str) -> str:
    """Sign in; return the session's CSRF token."""
    form = {"username": username, "password": PASSWORD, "csrf_token": _form_token(client.get("/login").text)}
    assert client.post("/login", data=form).status_code == 303
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', client.get("/agent").text)
    assert meta, "the console page has no CSRF token"
    return meta.group(1)


def _assert_secured(headers: Mapping[str, str], name: str) -> None:
    assert headers.get("content-security-policy") == content_security_policy(RASA), name
    for header, value in SECURITY_HEADERS.items():
        assert headers.get(header) == value, f"{name}: {header}"


def test_every_kind_of_response_carries_the_csp_and_the_security_headers(client: TestClient) -> None:
    _add_user("ada", "admin")
    responses = {
        "demo store page": client.get("/"),
        "sign-in page": client.get("/login"),
        "redirect": client.get("/console"),
        "JSON 401": client.get("/api/agent/queue"),
        "404": client.get("/nothing-here"),
        "405": client.post("/healthz"),
        "413": client.post("/login", content=b"x" * (MAX_BODY_BYTES + 1)),
        "health": client.get("/healthz"),
        "widget": client.get("/widget.js"),
        "bundle": client.get("/build/agent.js"),
        "stylesheet": client.get("/static/console.css"),
    }
    csrf = _sign_in(client, "ada")
    responses |= {
        "agent console": client.get("/agent"),
        "marketer console": client.get("/marketing"),
        "dashboard": client.get("/marketing/dashboard"),
        "JSON API": client.get("/api/agent/queue"),
        "JSON 404": client.get("/api/agent/conversations/nobody"),
        "marketer API": client.get("/api/marketing/rules"),
        "CSRF refusal": client.post("/api/agent/conversations/x/claim"),
        "sign-out redirect": client.post("/logout", data={"csrf_token": csrf}),
    }
    assert responses["CSRF refusal"].status_code == 403
    for name, response in responses.items():
        _assert_secured(response.headers, name)


def test_an_unhandled_error_still_gets_the_headers() -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("boom")

    headers = security_headers(RASA)
    app = Starlette(
        routes=[Route("/broken", broken)], middleware=[Middleware(SecurityHeadersMiddleware, headers=headers)]
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken")
    assert response.status_code == 500
    _assert_secured(response.headers, "500")
    assert response.headers["cache-control"] == "no-store"


def test_the_csp_allows_only_our_own_scripts_and_the_widgets_socket() -> None:
    policy = dict(
        part.split(" ", 1) for part in content_security_policy("https://chat.example.com").split("; ")
    )
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"  # no inline anything
    assert policy["connect-src"] == "'self' https://chat.example.com wss://chat.example.com"
    assert policy["default-src"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert "ws://rasa.test:5005" in content_security_policy(RASA)


class _Inline(HTMLParser):
    """Finds what a CSP without 'unsafe-inline' would block: inline scripts, styles and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style" or (tag == "script" and "src" not in names):
            self.found.append(f"<{tag}>")
        self.found += [f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")]


def test_no_page_has_an_inline_script_style_or_handler(client: TestClient) -> None:
    _add_user("ada", "admin")
    pages = {"/": client.get("/").text, "/login": client.get("/login").text}
    _sign_in(client, "ada")
    for path in ("/agent", "/marketing", "/marketing/dashboard"):
        pages[path] = client.get(path).text
    for path, html in pages.items():
        parser = _Inline()
        parser.feed(html)
        assert parser.found == [], path
    assert client.get("/static/store_demo.css").status_code == 200


def test_personal_data_is_never_cached_and_the_widget_keeps_its_cors_header(client: TestClient) -> None:
    _add_user("ada", "admin")
    anonymous = [client.get("/"), client.get("/login"), client.get("/api/agent/queue")]
    _sign_in(client, "ada")
    signed_in = [client.get(path) for path in ("/agent", "/api/agent/queue", "/api/marketing/rules")]
    signed_in.append(client.get("/api/marketing/stats/csat"))
    for response in anonymous + signed_in:
        assert response.headers["cache-control"] == "no-store", response.url
    widget = client.get("/widget.js")
    assert widget.headers["access-control-allow-origin"] == "*"
    assert widget.headers["cache-control"] == "public, max-age=300"
    assert "no-store" not in client.get("/static/console.css").headers.get("cache-control", "")


def test_a_declared_oversize_body_is_refused_at_once(client: TestClient, sync_redis: Redis) -> None:
    _add_user("ada", "admin")
    page = client.post("/login", content=b"username=ada&password=" + b"x" * MAX_BODY_BYTES)
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "too large (at most 64 KB)" in page.text
    # Refused before the sign-in ran: nothing was counted against the address.
    assert sync_redis.keys("cs:web:login_attempts:*") == []
    api = client.post("/api/agent/conversations/x/reply", content=b"{" + b" " * MAX_BODY_BYTES + b"}")
    assert api.status_code == 413 and api.json() == {"error": "The request is too large (at most 64 KB)."}


def test_a_body_without_a_length_is_counted_while_it_is_read(client: TestClient) -> None:
    _add_user("ada", "admin")
    csrf = _sign_in(client, "ada")

    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        yield b"x" * MAX_BODY_BYTES
        yield b'"}'

    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    response = client.post("/api/agent/conversations/x/reply", content=chunks(), headers=headers)
    assert response.status_code == 413 and response.json()["error"].startswith("The request is too large")
    # A small one without a length is let through to the endpoint (which says it is not claimed).
    small = client.post(
        "/api/agent/conversations/x/reply", content=iter([b'{"text": "hi"}']), headers=headers
    )
    assert small.status_code == 409


def test_a_whole_offer_rule_as_yaml_still_fits_but_more_does_not(client: TestClient) -> None:
    _add_user("ada", "admin")
    csrf = _sign_in(client, "ada")
    headers = {"X-CSRF-Token": csrf}
    rule_yaml = "id: big\n# " + "é" * 99_000
    fits = client.post("/api/marketing/rules/validate", json={"rule_yaml": rule_yaml}, headers=headers)
    assert fits.status_code == 200
    cap = LARGER_BODIES["/api/marketing/"]
    too_big = client.post("/api/marketing/rules", content=b" " * (cap + 1), headers=headers)
    assert too_big.status_code == 413


def test_production_cookies_are_always_secure() -> None:
    production = {
        "cs_env": "production",
        "rasa_token": "r" * 40,
        "cs_identity_secret": "i" * 40,
        "conversation_secret": "c" * 40,
    }
    for explicit in ({}, {"web_cookie_secure": False}):
        accounts = AccountSettings(web_secret_key="k" * 40, **explicit)
        settings = WebSettings(**production, accounts=accounts)
        assert settings.accounts.web_cookie_secure is True
        assert settings.accounts.session_cookie == "__Host-bc_session"
        assert settings.accounts.cookie_flags("lax")["secure"] is True
    assert WebSettings().accounts.web_cookie_secure is False  # the demo on http://localhost
