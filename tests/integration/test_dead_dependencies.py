"""A dead or hung action server still leaves the customer with a sensible reply."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from stack.assistant import Assistant
from tests.integration.conftest import Say, texts

pytestmark = pytest.mark.integration


def test_dead_action_server_gets_an_honest_reply(assistant: Assistant, say: Say) -> None:
    assistant.stop_part("action-server")
    try:
        reply = texts(say("how much does express shipping cost?"))
        assert "technical problem" in reply
        assert "e-mail support@brightcart.example" in texts(say("I want to talk to a human"))
    finally:
        assistant.start_action_server()
    assert "https://help.brightcart.example/articles/" in texts(say("how much does express shipping cost?"))


def test_an_action_server_that_never_answers_costs_one_turn_and_turns_stay_in_order(
    assistant: Assistant, sender: str
) -> None:
    assistant.stop_part("action-server")
    # Accepts connections (the backlog) and never answers, on the action server's own port.
    hung = socket.socket()
    hung.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hung.bind((assistant.settings.host, assistant.settings.action_port))
    hung.listen(16)
    try:
        with ThreadPoolExecutor(2) as pool:

            def send(text: str) -> tuple[float, str]:
                started = time.monotonic()
                response = httpx.post(
                    f"{assistant.rasa_url}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text},
                    timeout=60,
                )
                return time.monotonic() - started, texts(response.json())

            first = pool.submit(send, "how much does express shipping cost?")
            time.sleep(0.3)
            second = pool.submit(send, "do you ship to canada?")
            (first_s, first_reply), (second_s, second_reply) = first.result(), second.result()
        assert first_s < 10 and "technical problem" in first_reply, (first_s, first_reply)
        # It waited for the first turn, then had its own budget: never the 300 s Rasa would wait.
        assert second_s < first_s + 10 and "technical problem" in second_reply, (second_s, second_reply)
        # The second turn waited for the first (the conversation's lock): everything of the first turn,
        # its session start's apology included, comes before the second message, and the second's after it.
        token = assistant.settings.rasa_token.get_secret_value()
        tracker = httpx.get(
            f"{assistant.rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=10
        ).json()
        order = [e.get("text") or "" for e in tracker["events"] if e["event"] in {"user", "bot"}]
        first_at = order.index("how much does express shipping cost?")
        second_at = order.index("do you ship to canada?")
        assert first_at < second_at, order
        assert any("technical problem" in text for text in order[:second_at]), order
        assert any("technical problem" in text for text in order[second_at + 1 :]), order
    finally:
        hung.close()
        assistant.start_action_server()
