"""A representative part of the conversation suite on the real stack.

The part is the first two conversations of every category.
The whole suite, with its pass rates and latency figures, is ``python -m conversation_eval --start``.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator

import httpx
import pytest
from redis import Redis

from actions.keys import Keys
from conversation_eval.__main__ import DEFAULT_SUITE
from conversation_eval.report import print_report
from conversation_eval.roles import StoreRoles
from conversation_eval.runner import SuiteRunner
from conversation_eval.suite import Conversation, load_suite
from stack.assistant import Assistant
from tests.integration.conftest import E2E_REDIS_URL

pytestmark = pytest.mark.integration
PER_CATEGORY = 2


def _representative() -> list[tuple[str, Conversation]]:
    chosen: dict[str, list[Conversation]] = defaultdict(list)
    for category, conversation in load_suite(DEFAULT_SUITE).items():
        if len(chosen[category]) < PER_CATEGORY:
            chosen[category].append(conversation)
    return [(category, c) for category, conversations in chosen.items() for c in conversations]


CONVERSATIONS = _representative()


@pytest.fixture(scope="module")
def runner(assistant: Assistant) -> Iterator[SuiteRunner]:
    roles = StoreRoles.from_redis(Redis.from_url(E2E_REDIS_URL), Keys("cs"))
    with httpx.Client(timeout=60) as client:
        yield SuiteRunner(client, assistant.rasa_url, assistant.settings.rasa_token.get_secret_value(), roles)


@pytest.mark.parametrize(("category", "conversation"), CONVERSATIONS, ids=[c.name for _, c in CONVERSATIONS])
def test_a_conversation_of_the_suite_goes_through(
    runner: SuiteRunner, category: str, conversation: Conversation
) -> None:
    result = runner.run(category, conversation)
    if not result.passed:
        report = io.StringIO()
        print_report([result], report)
        pytest.fail(report.getvalue())
