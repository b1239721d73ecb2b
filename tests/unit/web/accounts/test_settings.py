from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError
from redis.asyncio import Redis

from actions.keys import Keys
from tests.unit.web.accounts.tiny_app import ACCOUNTS_REDIS_URL, PREFIX, SECRET
from web.accounts.middleware import AuthMiddleware
from web.accounts.services import AccountServices
from web.accounts.settings import DEMO_WEB_SECRET_KEY, AccountSettings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEB_SECRET_KEY", "WEB_SESSION_HOURS", "WEB_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)


async def _app(scope: object, receive: object, send: object) -> None:  # pragma: no cover - never called
    raise AssertionError


def test_defaults_are_the_marked_demo_key_eight_hours_and_plain_http() -> None:
    settings = AccountSettings()
    assert settings.uses_demo_secret and "DEMO" in DEMO_WEB_SECRET_KEY
    assert settings.session_lifetime_s == 8 * 3600
    assert not settings.web_cookie_secure and settings.session_cookie == "bc_session"
    assert DEMO_WEB_SECRET_KEY not in repr(settings)


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_SECRET_KEY", SECRET.get_secret_value())
    monkeypatch.setenv("WEB_SESSION_HOURS", "1.5")
    monkeypatch.setenv("WEB_COOKIE_SECURE", "true")
    settings = AccountSettings()
    assert not settings.uses_demo_secret and settings.session_lifetime_s == 5400
    assert settings.session_cookie == "__Host-bc_session"


@pytest.mark.parametrize(
    ("env", "value", "problem"),
    [
        ("WEB_SECRET_KEY", "too-short", "WEB_SECRET_KEY must be at least 32 characters"),
        ("WEB_SESSION_HOURS", "0", "greater than 0"),
    ],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, env: str, value: str, problem: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError, match=problem):
        AccountSettings()


def _accounts(settings: AccountSettings) -> AccountServices:
    # Never connects: the middleware only reads the settings when it is built.
    return AccountServices(settings, Redis.from_url(ACCOUNTS_REDIS_URL), Keys(PREFIX))


def test_demo_key_is_logged_as_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="web.accounts.middleware"):
        AuthMiddleware(_app, _accounts(AccountSettings(web_secret_key=SECRET)))
        assert not caplog.records
        AuthMiddleware(_app, _accounts(AccountSettings()))
    assert "DEMO key" in caplog.text and DEMO_WEB_SECRET_KEY not in caplog.text
