"""Each log line carries the conversation being handled, and only that one (actions/log_context.py)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from sanic import Request, Sanic
from sanic.compat import Header

from actions import log_context, log_format, log_redaction
from actions.log_context import ConversationScopeMiddleware, conversation_scope, current_conversation_id

CONSOLE_PATH = re.compile(r"/api/agent/conversations/(?P<conversation_id>[^/]+)")


@pytest.fixture
def json_lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON lines (the record factory installed) into a buffer."""
    stock_factory = logging.getLogRecordFactory()
    log_redaction.install({})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log_format.JsonFormatter(log_redaction.redact, "test"))
    logger = logging.getLogger("tests.log_context")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
        logging.setLogRecordFactory(stock_factory)


def _parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_id_is_set_inside_a_scope_only() -> None:
    assert current_conversation_id() is None
    with conversation_scope("c-1"):
        assert current_conversation_id() == "c-1"
        with conversation_scope("c-2"):
            assert current_conversation_id() == "c-2"
        assert current_conversation_id() == "c-1"
    assert current_conversation_id() is None


def test_a_line_carries_the_id_inside_the_scope_and_not_outside(
    json_lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_lines
    logger.info("before")
    with conversation_scope("c-7f3a"):
        logger.info("during")
    logger.info("after")

    before, during, after = _parsed(stream)
    assert "conversation_id" not in before
    assert during["conversation_id"] == "c-7f3a"
    assert "conversation_id" not in after


def test_a_sender_id_that_is_an_e_mail_is_masked(json_lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = json_lines
    with conversation_scope("sam@example.com"):
        logger.info("turn")
    assert _parsed(stream)[0]["conversation_id"] == "[e-mail]"


async def test_two_conversations_handled_at_once_never_mix(
    json_lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_lines

    async def handle(conversation_id: str) -> None:
        with conversation_scope(conversation_id):
            for step in range(5):
                logger.info("%s step %d", conversation_id, step)
                await asyncio.sleep(0)  # let the other conversation run between lines

    async def unrelated() -> None:
        for _ in range(5):
            logger.info("no conversation")
            await asyncio.sleep(0)

    await asyncio.gather(handle("conv-a"), handle("conv-b"), unrelated())

    lines = _parsed(stream)
    assert len(lines) == 15
    # Interleaved, yet each line has its own conversation's id.
    assert [line.get("conversation_id") for line in lines[:3]] == ["conv-a", "conv-b", None]
    for line in lines:
        owner = line["message"].split(" ")[0]
        assert line.get("conversation_id") == (owner if owner.startswith("conv-") else None)


async def test_a_task_started_in_a_conversation_keeps_its_id() -> None:
    with conversation_scope("conv-a"):
        task = asyncio.create_task(_current_after_yield())
    # The scope has closed in this task; the one started inside it still has the id.
    assert await task == "conv-a"
    assert current_conversation_id() is None


async def _current_after_yield() -> str | None:
    await asyncio.sleep(0)
    return current_conversation_id()


class _RecordingApp:
    def __init__(self) -> None:
        self.seen: list[str | None] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.seen.append(current_conversation_id())


async def _nothing() -> dict[str, Any]:
    return {}


async def _ignore(message: Any) -> None:
    return None


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"type": "http", "path": "/api/agent/conversations/c-9/reply"}, "c-9"),
        ({"type": "http", "path": "/api/agent/conversations/c-9"}, "c-9"),
        ({"type": "http", "path": "/api/agent/queue"}, None),
        ({"type": "http", "path": "/x/api/agent/conversations/c-9"}, None),
        ({"type": "lifespan"}, None),
    ],
)
async def test_console_requests_about_a_conversation_are_in_its_scope(
    scope: dict[str, Any], expected: str | None
) -> None:
    inner = _RecordingApp()
    await ConversationScopeMiddleware(inner, CONSOLE_PATH)(scope, _nothing, _ignore)
    assert inner.seen == [expected]
    assert current_conversation_id() is None


def test_the_console_path_pattern_must_name_the_id() -> None:
    with pytest.raises(ValueError, match="conversation_id"):
        ConversationScopeMiddleware(_RecordingApp(), re.compile(r"/api/agent/conversations/([^/]+)"))


@pytest.fixture
def action_app() -> Iterator[Sanic]:
    Sanic.test_mode = True  # the same app name in every test
    app = Sanic("log_context_test")
    log_context.bind_conversation_id(app)
    try:
        yield app
    finally:
        Sanic.test_mode = False


def _request(app: Sanic, path: str, body: bytes, **headers: str) -> Request:
    request = Request(path.encode(), Header(headers), "1.1", "POST", None, app)  # type: ignore[arg-type]
    request.body = body
    return request


async def _in_action_call(app: Sanic, request: Request) -> str | None:
    for middleware in app.request_middleware:
        await middleware(request)
    seen = current_conversation_id()
    for middleware in app.response_middleware:
        await middleware(request, None)
    return seen


@pytest.mark.parametrize(
    ("path", "body", "headers", "expected"),
    [
        ("/webhook", json.dumps({"next_action": "x", "sender_id": "c-1"}).encode(), {}, "c-1"),
        ("/webhook", zlib.compress(b'{"sender_id": "c-2"}'), {"content-encoding": "deflate"}, "c-2"),
        ("/webhook", b"not json", {}, None),
        ("/webhook", b"\x78\x9c broken", {"content-encoding": "deflate"}, None),
        ("/webhook", b'{"sender_id": 12}', {}, None),
        ("/webhook", b"[1, 2]", {}, None),
        ("/webhook", b"", {}, None),
        ("/health", b'{"sender_id": "c-3"}', {}, None),
    ],
)
async def test_an_action_call_is_in_its_senders_scope(
    action_app: Sanic, path: str, body: bytes, headers: dict[str, str], expected: str | None
) -> None:
    seen = await _in_action_call(action_app, _request(action_app, path, body, **headers))
    assert seen == expected
    assert current_conversation_id() is None
