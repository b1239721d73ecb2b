"""Rasa's starter bot (`rasa init`) as a yardstick: trained once, cached, served with a Redis tracker store.

Used by `python -m benchmarks.throughput --only starter`; the same Rasa as the assistant's
(.venv-rasa), stock (no rasa_addons), its default pipeline and policies, no action server.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from redis import Redis

from stack.config import StackSettings
from stack.processes import ManagedProcess, ProcessFailed, port_in_use

# About a minute on two cores; the margin is for a busy machine.
TRAIN_TIMEOUT_S = 900.0
# Its own turns, answered by its own rules and stories (data/nlu.yml of `rasa init`).
SIMPLE_TURNS = [
    ["hi", "I am sad", "yes", "great", "are you a bot?", "hello", "I am happy", "no", "good morning", "bye"],
    ["hey", "are you a bot?", "very good", "hello", "not good", "no", "hi", "perfect", "yes", "goodbye"],
    ["good evening", "great", "are you a human?", "hi", "I am sad", "yes", "hello", "amazing", "no", "bye"],
]  # fmt: skip

ENDPOINTS = """\
# Written by benchmarks/starter_bot.py: the starter bot's conversations in Redis, as the assistant's.
tracker_store:
  type: redis
  url: {host}
  port: {port}
  db: {db}
  key_prefix: starter
"""
# Rasa serves a single Sanic worker whatever SANIC_WORKERS says unless the lock store can be
# shared between processes (rasa.core.utils.number_of_sanic_workers): more workers need this.
LOCK_STORE = """\
lock_store:
  type: redis
  url: {host}
  port: {port}
  db: {db}
  key_prefix: starter
"""


def _rasa(settings: StackSettings) -> str:
    return str(settings.rasa_venv / "bin" / "rasa")


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONUNBUFFERED": "1",
    }


def trained_model(settings: StackSettings, cache_dir: Path) -> Path:
    """The starter bot's model, trained by `rasa init --no-prompt` the first time (about a minute)."""
    project = cache_dir / "project"
    models = sorted((project / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    project.mkdir(parents=True, exist_ok=True)
    init = ManagedProcess(
        "starter-init",
        [_rasa(settings), "init", "--no-prompt", "--init-dir", str(project)],
        cache_dir / "init.log",
        env=_environment(),
        cwd=project,
    )
    init.start()
    deadline = time.monotonic() + TRAIN_TIMEOUT_S
    while init.running:
        if time.monotonic() > deadline:
            init.stop()
            raise ProcessFailed(f"rasa init took over {TRAIN_TIMEOUT_S:.0f} s; see {init.log_path}")
        time.sleep(1.0)
    models = sorted((project / "models").glob("*.tar.gz"))
    if init.returncode != 0 or not models:
        raise ProcessFailed(f"rasa init failed; see {init.log_path}:\n{init.log_tail()}")
    return models[-1]


@contextmanager
def serving_starter_bot(
    settings: StackSettings, cache_dir: Path, redis_url: str, port: int, workers: int
) -> Iterator[tuple[str, ManagedProcess]]:
    """The starter bot answering on ``port`` with ``workers`` Sanic workers; yields its URL and process."""
    model = trained_model(settings, cache_dir)
    address = urlparse(redis_url)
    endpoints = cache_dir / "endpoints.yml"
    redis = {"host": address.hostname or "127.0.0.1", "port": address.port or 6379,
             "db": address.path.lstrip("/") or "0"}  # fmt: skip
    endpoints.write_text(ENDPOINTS.format(**redis) + (LOCK_STORE.format(**redis) if workers > 1 else ""))
    if port_in_use(settings.host, port):
        raise ProcessFailed(f"starter bot: port {port} is already in use")
    Redis.from_url(redis_url).flushdb()
    server = ManagedProcess(
        "starter-bot",
        [_rasa(settings), "run", "--model", str(model), "--endpoints", str(endpoints),
         "--interface", settings.host, "--port", str(port)],
        cache_dir / "starter-bot.log",
        env={**_environment(), "SANIC_WORKERS": str(workers)},
        cwd=cache_dir / "project",
    )  # fmt: skip
    server.start()
    try:
        url = f"http://{settings.host}:{port}"
        # "Hello from Rasa" at / once the model is loaded (the HTTP API, /version, is off).
        server.wait_until_ready(f"{url}/", settings.start_timeout_s)
        yield url, server
    finally:
        server.stop()
        Redis.from_url(redis_url).flushdb()
