"""A server that crashes is restarted while the others keep serving, and conversations go on."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from stack.assistant import Assistant
from stack.processes import ManagedProcess
from stack.supervision import RestartPolicy, Supervisor
from tests.integration.conftest import Say, texts

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


def test_a_killed_web_app_comes_back_while_rasa_keeps_answering(
    assistant: Assistant, say: Say, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="stack.supervision")
    healthz = f"http://{assistant.settings.host}:{assistant.settings.web_port}/healthz"
    web, rasa = _part(assistant, "web"), _part(assistant, "rasa")
    killed, rasa_pid = web.pid, rasa.pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    _within(30, lambda: not _answers(healthz))
    assert "https://help.brightcart.example/articles/" in texts(say("how much does express shipping cost?"))

    back_after_s = _within(assistant.settings.start_timeout_s, lambda: _answers(healthz))
    print(f"web app answered again {back_after_s:.1f} s after it was found down")
    assert web.pid != killed and rasa.pid == rasa_pid
    assert re.search(r"web exited with code -9 \(SIGKILL\); restart attempt \d+", caplog.text), caplog.text


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
