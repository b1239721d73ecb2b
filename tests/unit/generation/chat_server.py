"""A small OpenAI-compatible chat-completions server for tests: real HTTP on a free local port.

Each test scripts the next reply (status, body, delay) and reads back the requests
the server received. It runs uvicorn in a thread of the test process.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Received:
    """One request as the server saw it."""

    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Script:
    """What the server answers next."""

    status: int = 200
    body: Any = None  # a dict is sent as JSON, a str as is; None: a completion echoing the last message
    delay_s: float = 0.0
    content_type: str = "application/json"


@dataclass
class ChatServer:
    """The running server: its URL, the scripted reply and the requests received."""

    base_url: str = ""
    script: Script = field(default_factory=Script)
    received: list[Received] = field(default_factory=list)


def completion(content: str, model: str, completion_tokens: int = 7) -> dict[str, Any]:
    """A chat.completion object as OpenAI, vLLM and llama.cpp return it."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": 20,
            "completion_tokens": completion_tokens,
            "total_tokens": 20 + completion_tokens,
        },
    }


def _app(state: ChatServer) -> Starlette:
    async def chat_completions(request: Request) -> Response:
        body = await request.json()
        state.received.append(Received({k.lower(): v for k, v in request.headers.items()}, body))
        script = state.script
        if script.delay_s:
            await asyncio.sleep(script.delay_s)
        if script.body is None:
            last = body["messages"][-1]["content"]
            return JSONResponse(
                completion(f"You asked: {last}", body.get("model", "")), status_code=script.status
            )
        payload = script.body if isinstance(script.body, str) else json.dumps(script.body)
        return Response(payload, status_code=script.status, media_type=script.content_type)

    return Starlette(routes=[Route("/v1/chat/completions", chat_completions, methods=["POST"])])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningServer:
    """Starts the server in a thread; ``stop()`` shuts it down."""

    def __init__(self) -> None:
        self.state = ChatServer()
        port = _free_port()
        config = uvicorn.Config(
            _app(self.state), host="127.0.0.1", port=port, log_level="warning", lifespan="off",
            http="h11", ws="none", timeout_graceful_shutdown=1,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="chat-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test chat server did not start")
            time.sleep(0.01)
        self.state.base_url = f"http://127.0.0.1:{port}/v1"

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
