"""StackSettings for replicas: ports, workers per replica, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from stack.config import StackSettings


@pytest.fixture(autouse=True)
def _no_stack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REPLICAS", "SANIC_WORKERS", "ACTION_WORKERS", "RASA_PORT", "ACTION_PORT", "WEB_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_one_replica_is_the_default_with_two_workers_each_as_before() -> None:
    settings = StackSettings()
    assert (settings.replicas, settings.scaled_out) == (1, False)
    assert (settings.sanic_workers, settings.action_workers) == (2, 2)
    assert settings.rasa_replica_ports == [5005] and settings.action_replica_ports == [5055]


def test_replicas_take_the_ports_after_the_balancer_and_one_worker_each() -> None:
    settings = StackSettings(replicas=3)
    assert settings.scaled_out
    assert settings.rasa_ports == [5005, 5006, 5007, 5008]
    assert settings.rasa_replica_ports == [5006, 5007, 5008]
    assert settings.action_replica_ports == [5056, 5057, 5058]
    assert (settings.sanic_workers, settings.action_workers) == (1, 1)


def test_workers_per_replica_given_explicitly_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    assert StackSettings(replicas=2, sanic_workers=2).sanic_workers == 2
    monkeypatch.setenv("ACTION_WORKERS", "3")
    monkeypatch.setenv("REPLICAS", "2")
    settings = StackSettings()
    assert (settings.replicas, settings.sanic_workers, settings.action_workers) == (2, 1, 3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"replicas": 0}, "greater than or equal to 1"),
        ({"replicas": 17}, "less than or equal to 16"),
        ({"replicas": 3, "rasa_port": 5005, "action_port": 5008}, "port 5008 is wanted by both"),
        ({"replicas": 2, "web_port": 5007}, "port 5007 is wanted by both"),
        ({"rasa_port": 8080}, "port 8080 is wanted by both"),
        ({"replicas": 2, "rasa_port": 65534}, "above 65535"),
        ({"sanic_workers": 0}, "greater than or equal to 1"),
    ],
)
def test_impossible_layouts_are_refused_naming_the_port(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        StackSettings(**fields)
