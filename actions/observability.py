"""What the three servers' health, readiness and metrics endpoints share.

Every server (action server, Rasa server, web app) answers, on its own port and without a
token: ``GET /healthz`` (it serves), ``GET /readyz`` (200 with the checks as JSON, or 503
naming the failing one) and ``GET /metrics`` (Prometheus text format). The metrics are
defined one module per process: ``actions/metrics.py``, ``rasa_addons/metrics.py``,
``web/metrics.py`` (docs/operations.md lists them all).

**Several processes, one scrape.** Sanic runs several worker processes per server, and a
scrape reaches any one of them. prometheus_client's multiprocess mode keeps each process's
values in files under ``PROMETHEUS_MULTIPROC_DIR`` and a scrape of any worker adds them up.
The mode is chosen when prometheus_client is first imported, so a server's primary process
calls :func:`prepare_metrics_directory` before its workers import it: the directory is
``PROMETHEUS_MULTIPROC_DIR`` if the operator set one (one per server, never shared), emptied
of an earlier run's files; else a new private directory in the temp dir named after the server
and its port, removed when the primary process exits (and, should it be killed, at the next
start on that port). The workers inherit it.

**A metric never breaks a turn.** Every update goes through :func:`never_fails`: an exception
is swallowed, and logged the first time for each update function.

Standard library only at import (prometheus_client is imported when a scrape is answered):
the Rasa server (Python 3.10) imports this module before anything imports prometheus_client.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
DIRECTORY_PREFIX = "cs-metrics"
# A readiness probe asks Redis one PING; an answer slower than this is no answer.
PROBE_TIMEOUT_S = 2.0
OK = "ok"

F = TypeVar("F", bound=Callable[..., None])
_logged_failures: set[str] = set()


def never_fails(update: F) -> F:
    """Decorate a metric update so that it cannot raise: a failure is logged once per update function."""

    @functools.wraps(update)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            update(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a metric must never cost a customer a reply
            name = f"{update.__module__}.{update.__qualname__}"
            if name not in _logged_failures:
                _logged_failures.add(name)
                logger.warning("metrics: %s failed (later failures are not logged)", name, exc_info=True)

    return guarded  # type: ignore[return-value]


def port_from_argv(argv: Sequence[str], default: int) -> int:
    """The ``-p``/``--port`` value of a command line (rasa's and rasa_sdk's), else ``default``."""
    for index, argument in enumerate(argv):
        if argument.startswith("--port="):
            value = argument.partition("=")[2]
        elif argument in ("-p", "--port") and index + 1 < len(argv):
            value = argv[index + 1]
        else:
            continue
        if value.isdigit():
            return int(value)
    return default


def prepare_metrics_directory(
    server: str, port: int, environ: MutableMapping[str, str] | None = None, temp_dir: Path | None = None
) -> Path:
    """In a server's primary process, before prometheus_client is imported: the directory its workers share.

    Sets ``PROMETHEUS_MULTIPROC_DIR`` in ``environ`` (default ``os.environ``, which the workers
    inherit) and returns it. An operator's directory is created if needed and emptied of metric
    files (``*.db``); otherwise a fresh private one is made (see the module docstring).
    """
    environ = os.environ if environ is None else environ
    chosen = environ.get(MULTIPROC_VARIABLE)
    if chosen:
        directory = Path(chosen)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)
    else:
        parent = temp_dir or Path(tempfile.gettempdir())
        prefix = f"{DIRECTORY_PREFIX}-{server}-{port}-"
        # The same server on the same port cannot run twice: these are an earlier run's.
        for earlier in parent.glob(f"{prefix}*"):
            if earlier.is_dir() and not earlier.is_symlink() and earlier.stat().st_uid == os.getuid():
                shutil.rmtree(earlier, ignore_errors=True)
        directory = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        environ[MULTIPROC_VARIABLE] = str(directory)
        atexit.register(_remove_if_ours, directory, os.getpid())
    logger.info("metrics of the %s on port %d: %s", server, port, directory)
    return directory


def _remove_if_ours(directory: Path, creator: int) -> None:
    # A forked worker inherits the exit handler; only the primary that made the directory removes it.
    if os.getpid() == creator:
        shutil.rmtree(directory, ignore_errors=True)


def exposition(
    registry: CollectorRegistry,
    extra: Iterable[Collector] = (),
    environ: MutableMapping[str, str] | None = None,
) -> tuple[bytes, str]:
    """The body and content type of a ``/metrics`` answer.

    Args:
        registry: The process's own metrics, used when there is no multiprocess directory.
        extra: Collectors read at scrape time (e.g. a queue's length from Redis).
        environ: Where ``PROMETHEUS_MULTIPROC_DIR`` is looked up (default ``os.environ``).

    """
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

    directory = (os.environ if environ is None else environ).get(MULTIPROC_VARIABLE)
    if directory:
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined, path=directory)
        body = generate_latest(combined)
    else:
        body = generate_latest(registry)
    scraped = CollectorRegistry(auto_describe=False)
    for collector in extra:
        scraped.register(collector)
    return body + generate_latest(scraped), CONTENT_TYPE_LATEST


@dataclass(frozen=True)
class Readiness:
    """A readiness probe's checks: each ``"ok"`` or a short reason (never an address or a secret)."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        """Whether every check passed."""
        return all(result == OK for result in self.checks.values())

    @property
    def status_code(self) -> int:
        """200 when ready, else 503."""
        return 200 if self.ready else 503

    def body(self) -> dict[str, Any]:
        """The JSON answer: ``{"status": "ready"|"not ready", "checks": {...}}`` (and the failing ones)."""
        failing = {name: result for name, result in self.checks.items() if result != OK}
        if not failing:
            return {"status": "ready", "checks": self.checks}
        reason = "; ".join(f"{name}: {result}" for name, result in failing.items())
        return {"status": "not ready", "checks": self.checks, "reason": reason}


async def probe(check: Callable[[], Awaitable[Any]], timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """``"ok"`` if ``check()`` finishes within ``timeout_s``, else the reason (the error's class only)."""
    try:
        await asyncio.wait_for(check(), timeout_s)
    except asyncio.TimeoutError:  # noqa: UP041 - not yet the builtin on the Rasa server's Python 3.10
        return f"no answer within {timeout_s:g} s"
    except Exception as error:  # noqa: BLE001 - any failure means not ready; its text may hold an address
        return f"no answer ({type(error).__name__})"
    return OK
