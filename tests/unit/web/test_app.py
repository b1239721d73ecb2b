"""Unit tests for the Brightcart chat web app (web/)."""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import ValidationError
from starlette.testclient import TestClient

from web import WebSetupError
from web.app import create_app
from web.settings import DEFAULT_NODE_MODULES, WebSettings

FAKE_BUNDLE = b"/* fake socket.io bundle for tests */\n"
ENV_VARS = ("WEB_HOST", "WEB_PORT", "RASA_PUBLIC_URL", "WEB_NODE_MODULES")


class _ChatRootParser(HTMLParser):
    """Collects the chat root's data-config attribute and all script tags."""

    def __init__(self) -> None:
        super().__init__()
        self.config_attr: str | None = None
        self.script_srcs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id") == "chat":
            self.config_attr = attributes.get("data-config")
        if tag == "script":
            self.script_srcs.append(attributes.get("src"))


def _parse_page(html: str) -> _ChatRootParser:
    parser = _ChatRootParser()
    parser.feed(html)
    return parser


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keep the developer's shell settings from leaking into the tests.
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def node_modules(tmp_path: Path) -> Path:
    """A fake node_modules with just the file the app serves."""
    bundle = tmp_path / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(FAKE_BUNDLE)
    return tmp_path / "node_modules"


def _client(node_modules: Path, rasa_url: str = "http://rasa.test:5005") -> TestClient:
    settings = WebSettings(web_node_modules=node_modules, rasa_public_url=rasa_url)
    return TestClient(create_app(settings))


def test_chat_page_renders_with_injected_rasa_url(node_modules: Path) -> None:
    response = _client(node_modules, "http://rasa.test:5005").get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Brightcart help</title>" in response.text
    assert 'role="log"' in response.text
    assert 'aria-live="polite"' in response.text
    page = _parse_page(response.text)
    assert page.config_attr is not None
    assert json.loads(page.config_attr) == {"rasaUrl": "http://rasa.test:5005"}
    assert page.script_srcs == ["/vendor/socket.io.min.js", "/static/chat.js"]


def test_healthz(node_modules: Path) -> None:
    response = _client(node_modules).get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_vendor_bundle_served_from_node_modules(node_modules: Path) -> None:
    response = _client(node_modules).get("/vendor/socket.io.min.js")

    assert response.status_code == 200
    assert response.content == FAKE_BUNDLE
    assert response.headers["content-type"].startswith("text/javascript")


def test_static_assets_served(node_modules: Path) -> None:
    client = _client(node_modules)

    js = client.get("/static/chat.js")
    css = client.get("/static/chat.css")

    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_missing_bundle_raises_setup_error_with_npm_hint(tmp_path: Path) -> None:
    settings = WebSettings(web_node_modules=tmp_path / "node_modules")

    with pytest.raises(WebSetupError, match=r"npm ci.*web/"):
        create_app(settings)


def test_xss_in_rasa_url_is_escaped(node_modules: Path) -> None:
    evil = "http://evil.test/'\"><script>alert(1)</script><img src=x onerror=alert(2)>"

    response = _client(node_modules, evil).get("/")

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "<img src=x" not in response.text
    page = _parse_page(response.text)
    # Only our own two scripts exist, and the value round-trips as plain data.
    assert page.script_srcs == ["/vendor/socket.io.min.js", "/static/chat.js"]
    assert page.config_attr is not None
    assert json.loads(page.config_attr) == {"rasaUrl": evil}


def test_settings_defaults() -> None:
    settings = WebSettings()

    assert settings.web_host == "127.0.0.1"
    assert settings.web_port == 8080
    assert settings.rasa_public_url == "http://localhost:5005"
    assert settings.web_node_modules == DEFAULT_NODE_MODULES


def test_settings_read_from_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEB_HOST", "0.0.0.0")
    monkeypatch.setenv("WEB_PORT", "9090")
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://bot.brightcart.test")
    monkeypatch.setenv("WEB_NODE_MODULES", str(tmp_path))

    settings = WebSettings()

    assert settings.web_host == "0.0.0.0"
    assert settings.web_port == 9090
    assert settings.rasa_public_url == "https://bot.brightcart.test"
    assert settings.web_node_modules == tmp_path


@pytest.mark.parametrize("url", ["localhost:5005", "javascript:alert(1)", ""])
def test_settings_reject_non_http_rasa_url(url: str) -> None:
    with pytest.raises(ValidationError):
        WebSettings(rasa_public_url=url)
