"""Runs in the Rasa environment (Python 3.10): `make test-bot`."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator

import pytest
import structlog
from rasa.core import processor
from rasa.core.policies import memoization, rule_policy
from rasa.utils.log_utils import configure_structlog

from rasa_addons import debug_copies


@pytest.fixture
def structlog_level() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def test_no_copy_is_made_while_debug_lines_are_dropped(structlog_level: None) -> None:
    configure_structlog(logging.INFO)
    events = [{"event": "slot", "name": "emotion", "value": {"joy": 0.9}}]
    assert not debug_copies.debug_lines_written()
    assert debug_copies.CopyForDebugLines().deepcopy(events) is events


def test_copies_are_made_when_debug_lines_are_written(structlog_level: None) -> None:
    configure_structlog(logging.DEBUG)
    events = [{"event": "slot", "name": "emotion", "value": {"joy": 0.9}}]
    assert debug_copies.debug_lines_written()
    copied = debug_copies.CopyForDebugLines().deepcopy(events)
    assert copied == events and copied is not events and copied[0]["value"] is not events[0]["value"]


def test_the_rest_of_the_copy_module_is_unchanged() -> None:
    shim = debug_copies.CopyForDebugLines()
    assert shim.copy is copy.copy and shim.Error is copy.Error


def test_installing_reaches_the_three_modules_that_only_copy_for_debug_lines() -> None:
    saved = [(module, module.copy) for module in debug_copies.MODULES]
    try:
        debug_copies.install()
        for module in (processor, rule_policy, memoization):
            assert isinstance(module.copy, debug_copies.CopyForDebugLines)
    finally:
        for module, original in saved:
            module.copy = original
