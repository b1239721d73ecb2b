"""A dead action server still leaves the customer with a sensible reply."""

from __future__ import annotations

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
