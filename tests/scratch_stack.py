"""The real assistant on a Redis database of its own, emptied before and after: for e2e and browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from redis import Redis

from stack.assistant import Assistant
from stack.config import StackSettings


@contextmanager
def scratch_stack(
    redis_url: str, env_prefix: str, ports: tuple[int, int, int], data_dir: Path
) -> Iterator[Assistant]:
    """Start Redis data, action server, Rasa server and web app.

    ``{env_prefix}_RASA_PORT`` etc. override ``ports``.
    """
    rasa, action, web = ports
    Redis.from_url(redis_url).flushdb()
    settings = StackSettings(
        redis_url=redis_url,
        rasa_port=int(os.environ.get(f"{env_prefix}_RASA_PORT", rasa)),
        action_port=int(os.environ.get(f"{env_prefix}_ACTION_PORT", action)),
        web_port=int(os.environ.get(f"{env_prefix}_WEB_PORT", web)),
        data_dir=data_dir,
    )
    try:
        with Assistant(settings) as running:
            yield running
    finally:
        Redis.from_url(redis_url).flushdb()
