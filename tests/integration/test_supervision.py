"""A server that crashes is restarted while the others keep serving, and conversations go on."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack.assistant import Assistant
from stack.processes import ManagedProcess
from stack.supervision import RestartPolicy, Supervisor
from tests.integration.conftest import Say, texts
from web.accounts.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.integration


def _part(assistant: Assistant, name: str) -> ManagedProcess:
    return next(p for p in assistant.processes if p.name == name)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _within(timeout_s: float, condition: Callable[[], bool]) -> float:
    """Seconds until ``condition`` held; fails after ``timeout_s``."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, f"not within {timeout_s:.0f} s"
        time.sleep(0.2)
    return time.monotonic() - started


def test_a_killed_action_server_is_restarted_and_the_conversation_goes_on(
    assistant: Assistant, say: Say, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="stack.supervision")
    health = f"{assistant.action_url}/health"
    assert "https://help.brightcart.example/articles/" in texts(say("how much does express shipping cost?"))
    action_server = _part(assistant, "action-server")
    killed = action_server.pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    # Down once the supervisor has ended the killed server's workers; it restarts only after
    # its backoff and the server's model loading, many seconds away: this turn finds it down.
    _within(30, lambda: not _answers(health))
    assert "technical problem" in texts(say("how much does express shipping cost?"))

    # The action server loads its models before it answers (~100 s on a busy 2-core machine):
    # it gets the window of a first start.
    back_after_s = _within(assistant.settings.start_timeout_s, lambda: _answers(health))
    print(f"action server answered again {back_after_s:.1f} s after it was found down")
    assert action_server.running and action_server.pid != killed
    assert re.search(
        r"action-server exited with code -9 \(SIGKILL\); restart attempt \d+ in \d+ s", caplog.text
    ), caplog.text
    # The supervisor polls the same URL, so it may see it answer a moment after we do.
    _within(10, lambda: "action-server restarted" in caplog.text)
    assert "order number" in texts(say("where is my order?"))


@pytest.fixture
def console(assistant: Assistant) -> Iterator[httpx.Client]:
    """The demo agent signed in to the console: the session cookie kept, the page's CSRF token sent."""
    account = next(a for a in DEMO_ACCOUNTS if a.role == "agent")
    with httpx.Client(base_url=assistant.web_url, timeout=30) as client:
        form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert form, "the sign-in page has no form token"
        sign_in = {"username": account.username, "password": account.password, "csrf_token": form.group(1)}
        assert client.post("/login", data=sign_in).status_code == 303
        page = client.get("/agent")
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
        assert page.status_code == 200 and csrf, page.status_code
        client.headers["X-CSRF-Token"] = csrf.group(1)
        yield client


def _a_new_customer_asks(assistant: Assistant, text: str) -> str:
    """The bot's answer to a first message (a handed-off customer gets none: the bot is paused)."""
    body = {"sender": f"test-{uuid.uuid4().hex[:12]}", "message": text}
    response = httpx.post(f"{assistant.rasa_url}/webhooks/rest/webhook", json=body, timeout=30)
    response.raise_for_status()
    return texts(response.json())


def _inbox_row(console: httpx.Client, view: str, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's row in a view of the console's inbox (newest first); None if it is not listed."""
    params: dict[str, str | int] = {"view": view, "sort": "newest", "per_page": 100}
    response = console.get("/api/agent/inbox", params=params)
    # 401 here: the agent's session is gone.
    assert response.status_code == 200, (response.status_code, response.text)
    return next((row for row in response.json()["items"] if row["conversation_id"] == conversation_id), None)


def test_a_killed_web_app_comes_back_with_sessions_queue_and_claims_while_rasa_keeps_answering(
    assistant: Assistant, say: Say, sender: str, console: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="stack.supervision")
    healthz = f"http://{assistant.settings.host}:{assistant.settings.web_port}/healthz"
    conversation = f"/api/agent/conversations/{sender}"
    # Before the kill: a customer handed to a person, and the signed-in agent has taken the conversation.
    assert "https://help.brightcart.example/articles/" in texts(say("how much does express shipping cost?"))
    assert "a person will follow up" in texts(say("can I talk to a real person please"))
    assert _inbox_row(console, "unassigned", sender) is not None, "the handoff is not in the queue"
    claimed = console.post(f"{conversation}/claim")
    assert claimed.status_code == 200, (claimed.status_code, claimed.text)
    claim = claimed.json()["claim"]
    assert claim["agent"] == "agent", claim

    web, rasa = _part(assistant, "web"), _part(assistant, "rasa")
    killed, rasa_pid = web.pid, rasa.pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    _within(30, lambda: not _answers(healthz))
    answer = _a_new_customer_asks(assistant, "how much does express shipping cost?")
    assert "https://help.brightcart.example/articles/" in answer

    back_after_s = _within(assistant.settings.start_timeout_s, lambda: _answers(healthz))
    print(f"web app answered again {back_after_s:.1f} s after it was found down")
    assert web.pid != killed and rasa.pid == rasa_pid
    assert re.search(r"web exited with code -9 \(SIGKILL\); restart attempt \d+", caplog.text), caplog.text

    # The same cookies, no new sign-in: sessions, the queue and claims are kept in Redis, not in the
    # killed process (nor is the key that signs the cookie: it must still verify).
    page = console.get("/agent")
    assert page.status_code == 200, f"signed out: {page.status_code} to {page.headers.get('location')}"
    queue = console.get("/api/agent/queue").json()["items"]
    assert sender in [item["conversation_id"] for item in queue], "the handoff left the queue"
    row = _inbox_row(console, "mine", sender)
    assert row is not None, "the claimed conversation left the agent's inbox"
    assert row["status"] == "claimed" and row["claim"] == claim, row
    # The open console's CSRF token still holds, and the agent still owns the conversation.
    reply = console.post(f"{conversation}/reply", json={"text": "Thanks for waiting, I'm still here."})
    assert (reply.status_code, reply.json()) == (200, {"delivered": True}), reply.text


def test_a_part_stopped_on_purpose_stays_down(assistant: Assistant) -> None:
    healthz = f"http://{assistant.settings.host}:{assistant.settings.web_port}/healthz"
    assistant.stop_part("web")
    try:
        time.sleep(3)  # several times the first backoff
        assert not _answers(healthz)
        assert assistant.exited_for_good() == []
    finally:
        assistant.start_web()
    assert _answers(healthz)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_real_process_is_restarted_with_the_same_command_and_a_stop_is_final(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    server = ManagedProcess(
        "tiny", [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], tmp_path / "tiny.log"
    )
    supervisor = Supervisor(RestartPolicy(first_delay_s=0.1), ready_timeout_s=30.0, poll_s=0.1)
    server.start()
    try:
        server.wait_until_ready(url, 30.0)
        supervisor.watch(server, url)
        first = server.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        _within(30, lambda: server.pid != first and _answers(url))
        server.stop()
        time.sleep(1.0)
        assert not server.running and not _answers(url) and not supervisor.watches(server)
    finally:
        supervisor.close()
        server.stop()
        supervisor.join()
