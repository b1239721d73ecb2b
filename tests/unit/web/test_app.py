"""The web app's assembly: the demo store page with the widget tag, the bundles, settings."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from starlette.testclient import TestClient

from actions.deployment import ProductionRefused
from actions.identity.tokens import DEMO_IDENTITY_SECRET, KeyRing, verify_customer_token
from actions.keys import Keys
from web import WebSetupError
from web.accounts.demo import DEMO_ACCOUNTS
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.app import BUNDLES, create_app
from web.pages import PAGE_HEADERS
from web.services import WebServices
from web.settings import DEFAULT_BUILD_DIR, WebSettings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ENV_VARS = (
    "WEB_HOST", "WEB_PORT", "RASA_PUBLIC_URL", "RASA_URL", "WEB_BUILD_DIR", "REDIS_URL", "DEMO_STORE",
    "CS_ENV", "CS_KEY_PREFIX", "WEB_SECRET_KEY", "WEB_SESSION_HOURS", "WEB_COOKIE_SECURE",
)  # fmt: skip
SECRET = SecretStr("test-secret-key-0123456789-abcdefghijklmnop")
PASSWORD = "correct horse battery"


class _Scripts(HTMLParser):
    """Collects every script tag's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))


def _scripts(html: str) -> list[dict[str, str | None]]:
    parser = _Scripts()
    parser.feed(html)
    return parser.scripts


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keep the developer's shell settings from leaking into the tests.
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    """Stand-ins for esbuild's outputs: the app only serves them."""
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    return tmp_path


_opened: list[TestClient] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    # Leaving a TestClient runs the app's shutdown, which closes its Redis pools.
    yield
    while _opened:
        _opened.pop().__exit__(None, None, None)


def _client(build_dir: Path, rasa_url: str = "http://rasa.test:5005", **settings: object) -> TestClient:
    # The demo stack turns the demo store page on; these tests look at it.
    settings = {"demo_store": True, **settings}
    app = create_app(
        WebSettings(web_build_dir=build_dir, rasa_public_url=rasa_url, redis_url=REDIS_URL, **settings)
    )
    client = TestClient(app).__enter__()
    _opened.append(client)
    return client


def test_the_demo_store_page_adds_the_widget_with_one_script_tag(build_dir: Path) -> None:
    response = _client(build_dir).get("/")
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    (script,) = _scripts(response.text)
    assert script["src"] == "/widget.js" and script["data-server"] == "http://rasa.test:5005"
    assert "data-token" not in script  # an anonymous visitor


def test_a_demo_customer_gets_a_token_the_rasa_server_accepts(build_dir: Path, sync_redis: Redis) -> None:
    customer = {"id": "C10042", "first_name": "Ada", "last_name": "Byron", "email": "ada@example.com",
                "country": "GB", "created_at": "2024-01-02"}  # fmt: skip
    sync_redis.set("cs:store:customer:C10042", json.dumps(customer))
    response = _client(build_dir).get("/?customer=C10042&cart=42.5")
    (script,) = _scripts(response.text)
    check = verify_customer_token(script["data-token"], KeyRing.single(DEMO_IDENTITY_SECRET), time.time())
    assert check.identity is not None and check.identity.customer_id == "C10042"
    assert script["data-cart-value"] == "42.50" and "Ada Byron" in response.text
    unknown = _client(build_dir).get("/?customer=C99999")
    assert "data-token" not in _scripts(unknown.text)[0]


def test_script_injection_in_settings_stays_an_attribute_value(build_dir: Path) -> None:
    evil = "http://evil.test/'\"><script>alert(1)</script>"
    response = _client(build_dir, evil).get("/")
    assert "<script>alert(1)</script>" not in response.text
    (script,) = _scripts(response.text)
    assert script["data-server"] == evil


def test_the_widget_is_served_cross_origin_and_unknown_bundles_are_not(build_dir: Path) -> None:
    client = _client(build_dir)
    widget = client.get("/widget.js")
    assert widget.status_code == 200 and widget.headers["content-type"].startswith("text/javascript")
    assert widget.headers["access-control-allow-origin"] == "*"
    assert client.get("/build/agent.js").status_code == 200
    assert client.get("/build/secrets.js").status_code == 404


def test_missing_bundles_raise_a_setup_error_naming_the_command(tmp_path: Path) -> None:
    with pytest.raises(WebSetupError, match=r"widget\.js.*make setup"):
        create_app(WebSettings(web_build_dir=tmp_path))


def test_the_demo_store_is_off_unless_the_demo_turns_it_on(build_dir: Path) -> None:
    assert WebSettings().demo_store is False
    response = _client(build_dir, demo_store=False).get("/?customer=C10002")
    assert response.status_code == 404
    assert "token" not in response.text.lower()


def test_production_refuses_demo_secrets_and_the_demo_store_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = {
        "rasa_token": "r" * 40,
        "cs_identity_secret": "i" * 40,
        "conversation_secret": "c" * 40,
        "accounts": AccountSettings(web_secret_key="k" * 40),
    }
    assert WebSettings(cs_env="production", **real).demo_store is False
    for field, setting in (
        ("rasa_token", "RASA_TOKEN"),
        ("cs_identity_secret", "CS_IDENTITY_SECRET"),
        ("conversation_secret", "CONVERSATION_SECRET"),
    ):
        with pytest.raises(ValidationError, match=setting):
            WebSettings(cs_env="production", **{**real, field: "demo-rasa-token-change-me"})
        with pytest.raises(ValidationError, match=f"{setting} must be at least 32"):
            WebSettings(cs_env="production", **{**real, field: "short-but-real"})
    with pytest.raises(ValidationError, match="WEB_SECRET_KEY"):
        WebSettings(cs_env="production", **{**real, "accounts": AccountSettings()})
    with pytest.raises(ValidationError, match="DEMO_STORE"):
        WebSettings(cs_env="production", demo_store=True, **real)
    monkeypatch.setenv("CS_ENV", "production")
    with pytest.raises(ValidationError, match="RASA_TOKEN"):
        WebSettings()


def test_signed_out_visitors_of_the_consoles_are_sent_to_sign_in(build_dir: Path) -> None:
    client = _client(build_dir)
    assert client.get("/console", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/agent/queue").status_code == 401
    assert client.get("/healthz").json() == {"status": "ok"}


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    defaults = WebSettings()
    assert (defaults.web_port, defaults.web_build_dir, defaults.demo_store) == (
        8080,
        DEFAULT_BUILD_DIR,
        False,
    )
    monkeypatch.setenv("WEB_PORT", "9090")
    monkeypatch.setenv("RASA_URL", "http://rasa.internal:5005")
    monkeypatch.setenv("WEB_BUILD_DIR", str(tmp_path))
    settings = WebSettings()
    assert (settings.web_port, settings.rasa_url, settings.web_build_dir) == (
        9090,
        "http://rasa.internal:5005",
        tmp_path,
    )


@pytest.mark.parametrize("url", ["localhost:5005", "javascript:alert(1)", ""])
def test_settings_reject_non_http_rasa_urls(url: str) -> None:
    with pytest.raises(ValidationError):
        WebSettings(rasa_public_url=url)
    with pytest.raises(ValidationError):
        WebSettings(rasa_url=url)


def _add_user(username: str, role: str) -> None:
    async def create() -> None:
        client = AsyncRedis.from_url(REDIS_URL)
        try:
            await UserStore(client, Keys("cs")).create(username, "Ada Admin", role, PASSWORD)
        finally:
            await client.aclose()

    asyncio.run(create())


def _sign_in(client: TestClient, username: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token, "the sign-in page has no form token"
    form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_every_page_carries_the_same_security_headers(build_dir: Path, sync_redis: Redis) -> None:
    _add_user("ada", "admin")
    _add_user("sam", "agent")
    client = _client(build_dir, accounts=AccountSettings(web_secret_key=SECRET))
    pages = {"/": client.get("/"), "/login": client.get("/login")}
    _sign_in(client, "ada")  # an admin passes every role check
    for path in ("/agent", "/marketing", "/marketing/dashboard"):
        pages[path] = client.get(path)
    _sign_in(client, "sam")
    pages["refusal"] = client.get("/marketing")
    assert pages["refusal"].status_code == 403
    for name, page in pages.items():
        assert page.headers["content-type"].startswith("text/html"), name
        assert {header: page.headers.get(header) for header in PAGE_HEADERS} == PAGE_HEADERS, name


def test_sign_in_settings_come_from_the_app_settings_not_the_environment(
    build_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = WebSettings(web_build_dir=build_dir, redis_url=REDIS_URL)
    # Set after the settings were read, before the app starts: the app must not read them.
    monkeypatch.setenv("WEB_COOKIE_SECURE", "true")
    monkeypatch.setenv("WEB_SECRET_KEY", "another-key-that-is-long-enough-0123456789")
    with TestClient(create_app(settings)) as client:
        cookie = client.get("/login").headers["set-cookie"]
    assert cookie.startswith("bc_login_csrf=") and "Secure" not in cookie


def test_services_built_from_other_settings_are_refused(build_dir: Path) -> None:
    settings = WebSettings(web_build_dir=build_dir)
    with pytest.raises(WebSetupError, match="other settings"):
        create_app(settings, WebServices(WebSettings(web_build_dir=build_dir)))


def test_production_does_not_start_while_a_demo_account_opens_with_its_published_password(
    build_dir: Path, sync_redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test Redis keeps nothing on disk; production would refuse it before the accounts.
    monkeypatch.setenv("REDIS_ALLOW_NO_PERSISTENCE", "true")
    production = {
        "cs_env": "production",
        "rasa_token": "r" * 40,
        "cs_identity_secret": "i" * 40,
        "conversation_secret": "c" * 40,
        "accounts": AccountSettings(web_secret_key="k" * 40),
    }

    async def add_demo_agent() -> None:
        client = AsyncRedis.from_url(REDIS_URL)
        try:
            demo = DEMO_ACCOUNTS[0]
            await UserStore(client, Keys("cs")).create(
                demo.username, demo.display_name, demo.role, demo.password
            )
        finally:
            await client.aclose()

    _client(build_dir, demo_store=False, **production)  # no demo account: it starts
    asyncio.run(add_demo_agent())
    with pytest.raises(ProductionRefused, match="agent"):
        _client(build_dir, demo_store=False, **production)
