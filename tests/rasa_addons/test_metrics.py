"""The Rasa server's metrics (rasa_addons/metrics.py) and the seams that update them (Rasa environment)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_addons import action_failures, message_limits, metrics

ROOT = Path(__file__).resolve().parents[2]
INTENTS = ["greet", "ask_order_status"]


def _sample(name: str, **labels: str) -> float:
    created = metrics.create()
    return created.registry.get_sample_value(name, labels) or 0.0


def test_importing_the_entry_point_does_not_import_prometheus_client() -> None:
    # prometheus_client picks its multiprocess mode when imported: after __main__ has chosen the directory.
    check = "import sys, rasa_addons.__main__; print('prometheus_client' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    found = subprocess.run([sys.executable, "-c", check], env=env, cwd=ROOT, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr[-2000:]
    assert found.stdout.strip().splitlines()[-1] == "False"


def test_run_chooses_the_directory_for_its_port_and_other_commands_do_not(tmp_path: Path) -> None:
    from rasa_addons.__main__ import prepare_metrics

    environ = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "rasa")}
    prepare_metrics(["rasa", "run", "--port", "26005"], environ)
    assert (tmp_path / "rasa").is_dir()
    trained: dict[str, str] = {}
    prepare_metrics(["rasa", "train"], trained)
    assert trained == {}


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``metrics.install`` around a stand-in for Rasa's handling, which parses every message it gets."""
    handled: list[str] = []

    async def parse(
        self: Any, message: UserMessage, tracker: Any = None, only: bool = True
    ) -> dict[str, Any]:
        name, _, confidence = (message.text or "").partition(":")
        return {"text": message.text, "intent": {"name": name, "confidence": float(confidence or 0.5)}}

    async def handle(self: Any, message: UserMessage) -> list[dict[str, Any]]:
        handled.append(message.text or "")
        await MessageProcessor.parse_message(self, message)
        return []

    monkeypatch.setattr(MessageProcessor, "handle_message", handle)
    monkeypatch.setattr(MessageProcessor, "parse_message", parse)
    metrics.install()
    return handled


PROCESSOR: Any = SimpleNamespace(domain=SimpleNamespace(intents=INTENTS))


async def test_each_message_is_timed_by_its_channel(installed: list[str]) -> None:
    rest = _sample("cs_rasa_message_duration_seconds_count", channel="rest")
    other = _sample("cs_rasa_message_duration_seconds_count", channel="other")
    await MessageProcessor.handle_message(PROCESSOR, UserMessage("greet:0.9", input_channel="rest"))
    # The REST channel takes ``input_channel`` from the request body: a name Rasa does not know is "other".
    await MessageProcessor.handle_message(PROCESSOR, UserMessage("greet:0.9", input_channel="C10001-x"))
    assert installed == ["greet:0.9", "greet:0.9"]
    assert _sample("cs_rasa_message_duration_seconds_count", channel="rest") == rest + 1
    assert _sample("cs_rasa_message_duration_seconds_count", channel="other") == other + 1
    assert _sample("cs_rasa_message_duration_seconds_count", channel="C10001-x") == 0


async def test_intents_are_counted_when_a_message_is_handled_known_ones_by_name(installed: list[str]) -> None:
    greet, other = (
        _sample("cs_nlu_intents_total", intent="greet"),
        _sample("cs_nlu_intents_total", intent="other"),
    )
    fallback = _sample("cs_nlu_intents_total", intent="nlu_fallback")
    confident = _sample("cs_nlu_intent_confidence_bucket", le="0.95")
    unsure = _sample("cs_nlu_intent_confidence_bucket", le="0.3")

    await MessageProcessor.handle_message(PROCESSOR, UserMessage("greet:0.93"))
    await MessageProcessor.handle_message(PROCESSOR, UserMessage("/order_for_C10001:1.0"))  # "/intent" syntax
    await MessageProcessor.handle_message(PROCESSOR, UserMessage("nlu_fallback:0.25"))
    await MessageProcessor.parse_message(PROCESSOR, UserMessage("greet:0.9"))  # the HTTP API's /model/parse

    assert _sample("cs_nlu_intents_total", intent="greet") == greet + 1
    assert _sample("cs_nlu_intents_total", intent="other") == other + 1
    assert _sample("cs_nlu_intents_total", intent="nlu_fallback") == fallback + 1
    assert _sample("cs_nlu_intent_confidence_bucket", le="0.95") == confident + 2
    assert _sample("cs_nlu_intent_confidence_bucket", le="0.3") == unsure + 1


async def test_messages_the_limits_answer_are_counted_by_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics.create()
    monkeypatch.setattr(message_limits, "too_fast", lambda sender_id: sender_id == "flooding")
    too_long, too_fast = (
        _sample("cs_rasa_messages_refused_total", reason="too_long"),
        _sample("cs_rasa_messages_refused_total", reason="too_fast"),
    )
    processor: Any = SimpleNamespace(domain=Domain.empty())
    await message_limits.handle_message_within_limits(
        processor, UserMessage("a" * 2001, CollectingOutputChannel())
    )
    await message_limits.handle_message_within_limits(
        processor, UserMessage("hi", CollectingOutputChannel(), sender_id="flooding")
    )
    assert _sample("cs_rasa_messages_refused_total", reason="too_long") == too_long + 1
    assert _sample("cs_rasa_messages_refused_total", reason="too_fast") == too_fast + 1


async def test_an_action_server_that_cannot_be_reached_is_counted() -> None:
    metrics.create()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    domain = Domain.from_yaml("""
version: "3.1"
actions: [action_show_order_status]
responses:
  utter_technical_problem: [{text: "Sorry, technical problem."}]
""")
    before = _sample("cs_rasa_action_failures_total", action="action_show_order_status", kind="error")
    action = RemoteAction("action_show_order_status", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    await action_failures.run_or_apologise(
        action,
        CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator(domain.responses),
        DialogueStateTracker("c1", domain.slots),
        domain,
    )
    assert (
        _sample("cs_rasa_action_failures_total", action="action_show_order_status", kind="error")
        == before + 1
    )


def test_a_metric_that_cannot_be_written_never_reaches_the_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    created = metrics.create()

    def broken(*args: Any) -> Any:
        raise OSError("No space left on device")

    monkeypatch.setattr(created.refused, "labels", broken)
    metrics.message_refused("too_long")  # no exception


async def test_a_processor_without_a_domain_still_handles_its_message(installed: list[str]) -> None:
    # The metric cannot name the intent; the turn goes on all the same.
    await MessageProcessor.handle_message(SimpleNamespace(domain=None), UserMessage("greet:0.9"))
    assert installed == ["greet:0.9"]
