"""What every console route needs, built once per process and kept on ``app.state.context``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis
from starlette.requests import Request

from actions.keys import Keys
from web.settings import WebSettings


@dataclass(frozen=True)
class WebContext:
    """Settings, the one Redis connection pool and the project's key names."""

    settings: WebSettings
    redis: Redis
    keys: Keys


def context_of(request: Request) -> WebContext:
    """The context of the app serving ``request``."""
    return cast(WebContext, request.app.state.context)
