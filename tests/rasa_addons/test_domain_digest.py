"""Action calls send the domain's digest, and the domain only when the action server asks (449).

The server here answers as rasa-sdk 3.x does (``ActionExecutor.update_and_return_domain``):
it keeps the last domain it received with its digest. The real action server is exercised
by every integration test's conversation.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from rasa_addons import domain_digest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DigestKeepingServer:
    """Answers with the first response of the domain it holds; 449 without one."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.domain: dict[str, Any] | None = None
        self.digest: str | None = None
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.runner: web.AppRunner | None = None

    async def answer(self, request: web.Request) -> web.Response:
        call = await request.json()
        self.calls.append(call)
        if self.status != 200:
            return web.json_response({"error": "boom"}, status=self.status)
        if call.get("domain") is None and (not self.digest or call.get("domain_digest") != self.digest):
            return web.json_response({"action_name": call["next_action"], "error": "no domain"}, status=449)
        if call.get("domain") is not None:
            self.domain, self.digest = call["domain"], call.get("domain_digest")
        assert self.domain is not None
        return web.json_response({"events": [], "responses": [{"text": sorted(self.domain["responses"])[0]}]})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self.answer)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()


@pytest.fixture
async def server() -> AsyncIterator[DigestKeepingServer]:
    keeping = DigestKeepingServer()
    await keeping.start()
    yield keeping
    assert keeping.runner is not None
    await keeping.runner.cleanup()


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(domain_digest, "_inner_request", EndpointConfig.request)
    monkeypatch.setattr(RemoteAction, "_action_call_format", domain_digest.action_call_format)
    monkeypatch.setattr(EndpointConfig, "request", domain_digest.request_with_domain_if_asked)


def _domain(response: str) -> Domain:
    return Domain.from_dict(
        {"intents": ["greet"], "actions": ["action_hello"], "responses": {response: [{"text": "Hi!"}]}}
    )


async def _call(server: DigestKeepingServer, domain: Domain) -> dict[str, Any]:
    action = RemoteAction("action_hello", EndpointConfig(f"http://127.0.0.1:{server.port}/webhook"))
    tracker = DialogueStateTracker.from_events("customer-1", [UserUttered("hi")], domain.slots)
    call = action._action_call_format(tracker, domain)
    return await action.action_endpoint.request(json=call, method="post")


async def test_the_domain_is_sent_once_then_its_digest_only(
    server: DigestKeepingServer, installed: None
) -> None:
    domain = _domain("utter_a")
    for _ in range(3):
        assert (await _call(server, domain))["responses"] == [{"text": "utter_a"}]
    sent = ["domain" in call for call in server.calls]
    assert sent == [False, True, False, False]  # asked (449), sent, then known
    assert {call["domain_digest"] for call in server.calls} == {domain_digest.digest_of(domain)}


async def test_a_new_domain_is_sent_when_the_server_holds_another(
    server: DigestKeepingServer, installed: None
) -> None:
    await _call(server, _domain("utter_a"))
    assert (await _call(server, _domain("utter_b")))["responses"] == [{"text": "utter_b"}]
    assert ["domain" in call for call in server.calls] == [False, True, False, True]


def test_equal_domains_have_one_digest_and_the_call_has_no_domain() -> None:
    first, same, other = _domain("utter_a"), _domain("utter_a"), _domain("utter_b")
    assert domain_digest.digest_of(first) == domain_digest.digest_of(same) != domain_digest.digest_of(other)
    tracker = DialogueStateTracker.from_events("customer-1", [UserUttered("hi")], first.slots)
    call = domain_digest.action_call_format(RemoteAction("action_hello", None), tracker, first)
    assert "domain" not in call and call["next_action"] == "action_hello"
    assert call["tracker"]["sender_id"] == "customer-1"


async def test_a_server_that_asks_again_after_the_domain_is_not_asked_forever(
    server: DigestKeepingServer, installed: None
) -> None:
    server.status = 449
    with pytest.raises(ClientResponseError) as raised:
        await _call(server, _domain("utter_a"))
    assert raised.value.status == 449
    assert ["domain" in call for call in server.calls] == [False, True]


async def test_other_errors_are_not_retried(server: DigestKeepingServer, installed: None) -> None:
    server.status = 500
    with pytest.raises(ClientResponseError) as raised:
        await _call(server, _domain("utter_a"))
    assert raised.value.status == 500
    assert len(server.calls) == 1
