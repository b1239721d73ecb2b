"""Customer tokens are checked as messages arrive and never reach the tracker (Rasa environment)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor

from actions.identity.metadata import vouched_customer
from actions.identity.tokens import sign_customer_token
from rasa_addons import __main__ as rasa_main
from rasa_addons import customer_identity

STORE_SECRET = "the-store-and-rasa-share-this-0123456789"
ACTION_SECRET = "rasa-and-the-action-server-0123456789"
ENVIRON = {"CS_IDENTITY_SECRET": STORE_SECRET, "ACTION_SERVER_TOKEN": ACTION_SECRET}


@pytest.fixture
def reached(monkeypatch: pytest.MonkeyPatch) -> list[UserMessage]:
    """The messages that reached Rasa's own handling, after the check is installed."""
    seen: list[UserMessage] = []

    async def stock(self: Any, message: UserMessage) -> None:
        seen.append(message)

    monkeypatch.setattr(MessageProcessor, "handle_message", stock)
    customer_identity.install(ENVIRON)
    return seen


async def _send(metadata: dict[str, Any], sender_id: str = "conv-1") -> None:
    message = UserMessage("hi", CollectingOutputChannel(), sender_id, metadata=metadata)
    await MessageProcessor.handle_message(Any, message)  # type: ignore[arg-type]


async def test_a_valid_token_becomes_the_rasa_server_s_word_and_is_not_kept(
    reached: list[UserMessage],
) -> None:
    token = sign_customer_token("C10042", STORE_SECRET, 600)
    await _send({"customer_token": token, "page": "/shoes"})
    metadata = reached[0].metadata
    assert token not in repr(metadata) and metadata["page"] == "/shoes"
    assert vouched_customer(metadata, "conv-1", ACTION_SECRET, time.time()) == "C10042"


@pytest.mark.parametrize(
    "token",
    [
        sign_customer_token("C10042", "not-the-store-secret", 600),
        sign_customer_token("C10042", STORE_SECRET, 60, now=time.time() - 3600),
        sign_customer_token("C10042", STORE_SECRET, 365 * 86400),
        sign_customer_token("C10042", STORE_SECRET, 600, key_id="k9"),
        "v1.C10042.1999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
    ids=["forged", "expired", "over-long-lived", "unknown-key", "old-format"],
)
async def test_a_refused_token_is_dropped_and_leaves_the_visitor_anonymous(
    token: str, reached: list[UserMessage]
) -> None:
    await _send({"customer_token": token})
    assert reached[0].metadata == {}


async def test_a_customer_entry_from_the_client_is_dropped(reached: list[UserMessage]) -> None:
    await _send({"customer": {"id": "C10002", "expires_at": 2_000_000_000, "proof": "x"}})
    assert reached[0].metadata == {}


async def test_the_previous_key_is_accepted_inside_its_rotation_window_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[UserMessage] = []

    async def stock(self: Any, message: UserMessage) -> None:
        seen.append(message)

    monkeypatch.setattr(MessageProcessor, "handle_message", stock)
    rotation = {
        **ENVIRON,
        "CS_IDENTITY_KEY_ID": "k2",
        "CS_IDENTITY_PREVIOUS_SECRET": "the-old-store-secret-0123456789abcdef",
        "CS_IDENTITY_PREVIOUS_KEY_ID": "k1",
    }
    old = sign_customer_token("C10042", "the-old-store-secret-0123456789abcdef", 600)
    customer_identity.install({**rotation, "CS_IDENTITY_PREVIOUS_UNTIL": str(int(time.time()) + 60)})
    await _send({"customer_token": old})
    assert vouched_customer(seen[-1].metadata, "conv-1", ACTION_SECRET, time.time()) == "C10042"
    monkeypatch.setattr(MessageProcessor, "handle_message", stock)
    customer_identity.install({**rotation, "CS_IDENTITY_PREVIOUS_UNTIL": str(int(time.time()) - 1)})
    await _send({"customer_token": old})
    assert seen[-1].metadata == {}


def test_production_refuses_each_demo_or_short_secret_of_the_rasa_server_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = {name: "r" * 40 for name in rasa_main.PRODUCTION_SECRETS}
    monkeypatch.setenv("CS_ENV", "production")
    for name in rasa_main.PRODUCTION_SECRETS:
        for variable, value in real.items():
            monkeypatch.setenv(variable, value)
        monkeypatch.setenv(name, "short")
        with pytest.raises(SystemExit, match=name):
            rasa_main.refuse_demo_secrets_in_production()
    for variable, value in real.items():
        monkeypatch.setenv(variable, value)
    rasa_main.refuse_demo_secrets_in_production()
    monkeypatch.setenv("CS_IDENTITY_PREVIOUS_SECRET", "demo-identity-secret-change-me")
    with pytest.raises(SystemExit, match="CS_IDENTITY_PREVIOUS_SECRET"):
        rasa_main.refuse_demo_secrets_in_production()


def test_a_malformed_key_ring_stops_the_start_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MessageProcessor, "handle_message", MessageProcessor.handle_message)
    monkeypatch.setenv("CS_IDENTITY_KEY_ID", "not a key id")
    with pytest.raises(SystemExit, match="CS_IDENTITY_KEY_ID"):
        rasa_main.install_customer_identity()
