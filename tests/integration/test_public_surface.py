"""What a stranger can reach: the action server, over-long messages, secrets on command lines."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator

import httpx
import psutil
import pytest
from redis import Redis

from stack.assistant import Assistant
from stack.proxy import serving_public_proxy
from tests.integration.conftest import Say, texts

pytestmark = pytest.mark.integration

ACTION_CALL = {
    "next_action": "action_show_order_status",
    "sender_id": "stranger",
    "tracker": {},
    "domain": {},
}


def _outward_address() -> str | None:
    """An address of this machine other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks a route
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_action_server_refuses_calls_without_the_shared_secret(assistant: Assistant) -> None:
    assert httpx.get(f"{assistant.action_url}/health", timeout=5).status_code == 200
    refused = httpx.post(f"{assistant.action_url}/webhook", json=ACTION_CALL, timeout=5)
    assert refused.status_code == 401
    wrong = httpx.post(
        f"{assistant.action_url}/webhook",
        json=ACTION_CALL,
        headers={"Authorization": "Bearer guess"},
        timeout=5,
    )
    assert wrong.status_code == 401
    assert httpx.get(f"{assistant.action_url}/actions", timeout=5).status_code == 401


def test_the_action_server_listens_on_loopback_only(assistant: Assistant) -> None:
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    port = int(assistant.action_url.rsplit(":", 1)[1])
    with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
        pass


def test_an_over_long_message_is_answered_at_once_and_the_conversation_goes_on(say: Say) -> None:
    for text in ("a" * 1_000_000, "a." * 500_000):
        started = time.monotonic()
        reply = texts(say(text))
        assert time.monotonic() - started < 1.0
        assert "too long" in reply
    assert "order number" in texts(say("where is my order?"))


def test_no_secret_is_on_a_command_line(assistant: Assistant) -> None:
    secrets = [
        assistant.settings.rasa_token.get_secret_value(),
        assistant.settings.action_server_token.get_secret_value(),
    ]
    for process in psutil.process_iter(["cmdline"]):
        command_line = " ".join(process.info["cmdline"] or [])
        assert not any(secret in command_line for secret in secrets), command_line


def _post(assistant: Assistant, sender: str, text: str) -> str:
    response = httpx.post(
        f"{assistant.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
    )
    response.raise_for_status()
    return texts(response.json())


def test_order_numbers_cannot_be_enumerated_for_a_known_email(
    assistant: Assistant, store_redis: Redis
) -> None:
    order_id = max(store_redis.smembers("cs:store:order_ids"))
    email = json.loads(store_redis.get(f"cs:store:order:{order_id}"))["email"]
    wrong = [
        i for i in (str(int(order_id) - n) for n in range(1, 50)) if not _order_of(store_redis, i, email)
    ][:3]
    for n, guess in enumerate(wrong):  # three conversations, one wrong guess each
        sender = f"enumerate-{uuid.uuid4().hex[:8]}-{n}"
        assert "order number" in _post(assistant, sender, "where is my order?")
        _post(assistant, sender, guess)
        assert "couldn't find an order" in _post(assistant, sender, email)
    # A fourth conversation with the right pair is refused, and /restart does not reset that.
    sender = f"enumerate-{uuid.uuid4().hex[:8]}"
    for _ in range(2):
        _post(assistant, sender, "where is my order?")
        _post(assistant, sender, order_id)
        reply = _post(assistant, sender, email)
        assert "can't share order details" in reply, reply
        _post(assistant, sender, "/restart")
    # The e-mail was typed a dozen times; no process wrote it to its log.
    for log in assistant.settings.log_dir.glob("*.log"):
        assert email not in log.read_text(errors="replace"), log.name


def _order_of(store_redis: Redis, order_id: str, email: str) -> bool:
    raw = store_redis.get(f"cs:store:order:{order_id}")
    return raw is not None and json.loads(raw)["email"] == email


@pytest.fixture(scope="module")
def public_url(assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """deploy/nginx-public.conf in front of the running assistant."""
    with serving_public_proxy(
        assistant.rasa_url.removeprefix("http://"),
        assistant.web_url.removeprefix("http://"),
        f"127.0.0.1:{_free_port()}",
        tmp_path_factory.mktemp("proxy"),
    ) as url:
        yield url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_behind_the_public_proxy_only_the_widget_channel_and_the_web_app_answer(
    public_url: str, assistant: Assistant
) -> None:
    token = assistant.settings.rasa_token.get_secret_value()
    # The widget's socket.io handshake and the web app's pages pass.
    handshake = httpx.get(f"{public_url}/socket.io/?EIO=4&transport=polling", timeout=5)
    assert handshake.status_code == 200 and '"sid"' in handshake.text
    assert httpx.get(f"{public_url}/widget.js", timeout=5).status_code == 200
    # Rasa's HTTP API and REST channel are not there, even with the token.
    for path in ("/status", f"/conversations/someone/tracker?token={token}", "/version", "/model/parse"):
        response = httpx.get(f"{public_url}{path}", timeout=5)
        assert response.status_code == 404, path
        assert "rasa" not in response.text.lower(), path
    rest = httpx.post(f"{public_url}/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}, timeout=5)
    assert rest.status_code in (404, 405)
    # Nor by way of the widget's path: nginx resolves dot segments, plain or %-encoded, before
    # it picks a location (Rasa answers /version with 200, the web app with 404).
    for path in ("/socket.io/../version", "/socket.io/%2e%2e/version", "/socket.io/..%2fversion"):
        assert _status_as_sent(public_url, path) == 404, path
    # A body over the proxy's cap never reaches the apps.
    assert httpx.post(f"{public_url}/login", content=b"a" * 100_000, timeout=5).status_code == 413


def _status_as_sent(base_url: str, path: str) -> int:
    """The status answered to ``path`` sent as written (httpx would resolve its dot segments first)."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        return int(connection.makefile("rb").readline().split()[1])
