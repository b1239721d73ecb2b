"""The REST channel: open in the demo, behind its token when set, closed in production without one."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage

from actions.deployment import ProductionRefused
from rasa_addons.rest_channel import TOKEN_VARIABLE, RestChannel, refusal

TOKEN = "the-store-backend-token-0123456789abcdef"


@pytest.mark.parametrize(
    ("headers", "token", "production", "status"),
    [
        ({}, "", False, None),
        ({}, "", True, 404),
        ({"authorization": f"Bearer {TOKEN}"}, "", True, 404),
        ({}, TOKEN, False, 401),
        ({"authorization": "Bearer wrong"}, TOKEN, True, 401),
        ({"authorization": TOKEN}, TOKEN, True, 401),
        ({"authorization": f"Bearer {TOKEN}"}, TOKEN, True, None),
        ({"authorization": f"bearer {TOKEN}"}, TOKEN, False, None),
    ],
)
def test_who_may_call(headers: dict[str, str], token: str, production: bool, status: int | None) -> None:
    refused = refusal(headers, token, production)
    assert (refused.status if refused is not None else None) == status


class _Request:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


async def _guarded(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], headers: dict[str, str]) -> Any:
    """What the channel's own guard answers a call with ``headers`` (None: the call goes on)."""
    for variable in ("CS_ENV", TOKEN_VARIABLE):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environ.items():
        monkeypatch.setenv(variable, value)

    async def on_new_message(message: UserMessage) -> None:
        del message

    webhook = RestChannel().blueprint(on_new_message)
    (guard,) = [m.middleware for m in webhook._future_middleware if m.attach_to == "request"]
    return await guard(_Request(headers))


async def test_in_production_without_a_token_the_channel_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = await _guarded(monkeypatch, {"CS_ENV": "production"}, {})
    assert refused is not None and refused.status == 404


async def test_with_a_token_only_calls_bearing_it_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    environ = {"CS_ENV": "production", TOKEN_VARIABLE: TOKEN}
    refused = await _guarded(monkeypatch, environ, {})
    assert refused is not None and refused.status == 401
    assert await _guarded(monkeypatch, environ, {"authorization": f"Bearer {TOKEN}"}) is None


async def test_the_demo_keeps_it_open(monkeypatch: pytest.MonkeyPatch) -> None:
    assert await _guarded(monkeypatch, {}, {}) is None


async def test_production_refuses_a_short_token_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProductionRefused, match=TOKEN_VARIABLE):
        await _guarded(monkeypatch, {"CS_ENV": "production", TOKEN_VARIABLE: "short"}, {})


def test_the_channel_keeps_rasa_s_name() -> None:
    assert RestChannel.name() == "rest"
