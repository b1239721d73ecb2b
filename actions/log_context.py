"""The conversation a log line belongs to, set where each process starts a conversation's work.

A ``ContextVar`` holds the conversation id for the task that handles one message, action
call or console request; the record factory (actions/log_redaction.py) copies it onto every
record, and the JSON format (actions/log_format.py) writes it. asyncio gives each task a copy
of the context it was started from, so two conversations handled at once never see each
other's id, and work a handler starts in a new task keeps its conversation's.

The seams, one per process:

- action server: :func:`bind_conversation_id`, a Sanic request middleware reading the
  webhook's ``sender_id``;
- Rasa server: :func:`scope_rasa_conversations`, around Rasa's ``LockStore.lock``. Rasa takes
  a conversation's lock for every change to it, whatever started it: a customer's message on
  any channel (``Agent.handle_message``), the HTTP API's ``tracker/events``, ``trigger_intent``
  and ``execute``, a reminder. Our own wrappers of ``MessageProcessor.handle_message``
  (rasa_addons) all run inside it;
- web app: :class:`ConversationScopeMiddleware`, for console requests with a conversation
  id in the path.

Runs on Python 3.10 with no third-party import at module level: the Rasa server imports it too.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanic import Request, Sanic

_conversation_id: ContextVar[str | None] = ContextVar("conversation_id", default=None)

# rasa-sdk's endpoint: Rasa posts each action call here, the conversation in ``sender_id``.
WEBHOOK_PATH = "/webhook"
# Marks our wrapper of ``LockStore.lock`` so that wrapping twice is a no-op.
_SCOPED = "_scopes_conversation_id"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def current_conversation_id() -> str | None:
    """The id of the conversation this task is working on, or ``None`` outside any."""
    return _conversation_id.get()


@contextmanager
def conversation_scope(conversation_id: str | None) -> Iterator[None]:
    """Log lines written inside the block carry ``conversation_id`` (``None``: no conversation)."""
    token = _conversation_id.set(conversation_id)
    try:
        yield
    finally:
        _conversation_id.reset(token)


def bind_conversation_id(app: Sanic) -> None:
    """Scope each action call to ``app`` to its conversation: the request JSON's ``sender_id``.

    Register it after the shared-secret check (actions/endpoint_auth.py): Sanic runs request
    middleware in order, so an unauthorised body is never read. Sanic serves every request
    of a connection in one task, so the response middleware sets the id back.
    """

    @app.on_request
    async def enter_conversation(request: Request) -> None:
        conversation_id = sender_id_of(_action_call(request)) if request.path == WEBHOOK_PATH else None
        if conversation_id is not None:
            request.ctx.conversation_token = _conversation_id.set(conversation_id)

    @app.on_response
    async def leave_conversation(request: Request, response: Any) -> None:
        token: Token[str | None] | None = getattr(request.ctx, "conversation_token", None)
        if token is not None:
            request.ctx.conversation_token = None
            _conversation_id.reset(token)


def sender_id_of(action_call: object) -> str | None:
    """The ``sender_id`` of an action call's JSON, or ``None`` if it has none."""
    sender_id = action_call.get("sender_id") if isinstance(action_call, dict) else None
    return sender_id if isinstance(sender_id, str) else None


def _action_call(request: Request) -> object:
    from sanic.exceptions import SanicException

    try:
        if (request.headers.get("content-encoding") or "").lower() == "deflate":
            # Rasa deflates action calls when COMPRESS_ACTION_SERVER_REQUEST is true.
            return json.loads(zlib.decompress(request.body))
        # Parsed once: the endpoint then reads the value Sanic keeps.
        return request.json
    except (SanicException, zlib.error, ValueError):  # the endpoint answers a malformed body itself
        return None


class ConversationScopeMiddleware:
    """ASGI middleware: a request whose path names a conversation is handled in its scope.

    ``path`` matches from the start of the request path and captures the id in a group
    named ``conversation_id``; other requests pass through untouched.
    """

    def __init__(self, app: ASGIApp, path: re.Pattern[str]) -> None:
        if "conversation_id" not in path.groupindex:
            raise ValueError("the path pattern needs a group named conversation_id")
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection, in its conversation's scope when the path names one."""
        found = self.path.match(scope["path"]) if scope["type"] in ("http", "websocket") else None
        if found is None:
            await self.app(scope, receive, send)
            return
        with conversation_scope(found.group("conversation_id")):
            await self.app(scope, receive, send)


def scope_rasa_conversations() -> None:
    """In the Rasa server: everything done under a conversation's lock is in its scope (idempotent).

    Wraps ``rasa.core.lock_store.LockStore.lock``, which every lock store inherits or calls
    through ``super()`` (rasa_addons/lock_store.py).
    """
    from rasa.core.lock_store import LockStore

    stock = LockStore.lock
    if getattr(stock, _SCOPED, False):
        return

    @asynccontextmanager
    async def lock(self: LockStore, conversation_id: str, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        with conversation_scope(conversation_id):
            async with stock(self, conversation_id, *args, **kwargs) as ticket:
                yield ticket

    setattr(lock, _SCOPED, True)
    # setattr: mypy refuses assigning to a method, and this replacement is the point.
    setattr(LockStore, "lock", lock)  # noqa: B010
