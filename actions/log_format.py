"""One JSON object per log line, from every process: ``LOG_FORMAT=json``, the production default.

``LOG_FORMAT`` is ``json`` or ``text``; unset, it is ``json`` with ``CS_ENV=production`` and
``text`` (each framework's own format) in the demo, so that ``make run`` stays readable.

In JSON every line has ``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``message``,
``process`` (action-server, rasa or web), ``worker`` (the Sanic worker, or MainProcess) and
``pid``; ``conversation_id`` when it was written while handling a conversation
(actions/log_context.py); ``exception`` (the traceback) and ``stack`` when the call asked
for them; and any fields the caller passed as ``extra`` (Sanic's access log, when on:
``host``, ``request``, ``status``...). Message, exception, stack, conversation id and text fields are
all masked (actions/log_redaction.py): a traceback can quote a customer's e-mail.

The frameworks configure their handlers at different moments: Sanic when each worker builds
its app, Rasa after our entry point has run, uvicorn when it starts. So rather than replacing
formatters that exist at one moment, JSON mode replaces ``logging.Handler.format``, which every
handler (the root's, Sanic's, coloredlogs', uvicorn's, logging's last resort) calls for each
line whatever its own formatter. Warnings and uncaught exceptions are routed through logging
too, so that they come out as JSON rather than as bare lines on stderr.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import PurePath
from types import TracebackType
from typing import Any, Literal, TextIO

from actions.errors import ConfigError

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("json", "text")
# The attribute the record factory (actions/log_redaction.py) sets from actions/log_context.py.
CONVERSATION_ATTRIBUTE = "cs_conversation_id"
# ``python -m <module>`` of each process → the name its lines carry.
PROCESS_NAMES = {"rasa_sdk": "action-server", "rasa_addons": "rasa", "rasa": "rasa", "web": "web"}

# Rasa colours its warnings; a JSON log has no terminal.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Attributes every LogRecord has: anything else on a record came from the caller's ``extra``.
_RECORD_ATTRIBUTES = frozenset(
    (
        *logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__,
        "message",
        "asctime",
        "taskName",
        CONVERSATION_ATTRIBUTE,
    )
)

# Not ``extra`` either: uvicorn's coloured copy of its format string repeats the message.
_NOT_EXTRA = _RECORD_ATTRIBUTES | {"color_message"}

Mask = Callable[[str], str]


def chosen_format(environ: Mapping[str, str]) -> LogFormat:
    """The log format ``environ`` asks for (``LOG_FORMAT``, else by ``CS_ENV``).

    Raises:
        ConfigError: ``LOG_FORMAT`` is set to something else than ``json`` or ``text``.

    """
    raw = environ.get("LOG_FORMAT", "").strip()
    if not raw:
        return "json" if environ.get("CS_ENV", "").strip() == "production" else "text"
    for known in LOG_FORMATS:
        if raw.lower() == known:
            return known
    raise ConfigError(f"LOG_FORMAT must be json or text, not {raw!r}")


def process_name(program: str | None = None) -> str:
    """The name of the program this process runs: action-server, rasa, web, or the script's own.

    From ``sys.argv[0]`` (``program``), the path of the module ``python -m`` ran: Sanic's spawned
    workers get their parent's ``argv`` but not its ``__main__``.
    """
    path = PurePath(sys.argv[0] if program is None else program)
    name = path.parent.name if path.name == "__main__.py" else path.stem
    return PROCESS_NAMES.get(name, name or "python")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON, every text in it passed through ``mask``."""

    def __init__(self, mask: Mask, process: str) -> None:
        super().__init__()
        self.mask = mask
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        """The record's JSON line (no newline: the handler adds its terminator)."""
        line: dict[str, Any] = {
            "timestamp": _utc_timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": self._text(record.getMessage()),
            "process": self.process,
            "worker": record.processName,
            "pid": record.process,
        }
        conversation_id = getattr(record, CONVERSATION_ATTRIBUTE, None)
        if conversation_id is not None:
            line["conversation_id"] = self.mask(str(conversation_id))
        if record.exc_info:
            line["exception"] = self._text(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = self._text(record.exc_text)
        if record.stack_info:
            line["stack"] = self._text(self.formatStack(record.stack_info))
        for name, value in record.__dict__.items():
            if name not in _NOT_EXTRA and not name.startswith("_") and name not in line:
                line[name] = self._value(value)
        # ASCII escapes: a stray surrogate or control character can never break the line.
        return json.dumps(line)

    def _text(self, text: str) -> str:
        return self.mask(_ANSI_ESCAPE.sub("", text))

    def _value(self, value: object) -> object:
        if value is None or isinstance(value, bool | int | float):
            return value
        return self._text(value if isinstance(value, str) else str(value))


def _utc_timestamp(record: logging.LogRecord) -> str:
    """``2026-12-02T14:33:02.336Z``: ISO 8601, UTC, to the millisecond."""
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(record.created))}.{int(record.msecs):03d}Z"


def use_json(formatter: logging.Formatter) -> None:
    """Every handler of this process, now or later, writes its lines with ``formatter``."""

    def format_line(handler: logging.Handler, record: logging.LogRecord) -> str:
        return formatter.format(record)

    # setattr: mypy refuses assigning to a method, and this replacement is the point.
    setattr(logging.Handler, "format", format_line)  # noqa: B010
    warnings.showwarning = _log_warning
    sys.excepthook = _log_uncaught
    # Progress bars (loading a model's weights) are no log lines; tqdm reads this when imported,
    # so it holds in the workers a server starts from here on.
    os.environ.setdefault("TQDM_DISABLE", "1")


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Warnings (Rasa's, the libraries') as records of the ``py.warnings`` logger.

    Not ``logging.captureWarnings``: it gives ``py.warnings`` a ``NullHandler``, and a process
    whose root logger has no handler (a rasa-sdk worker) would then drop every warning
    instead of writing it through logging's last resort.
    """
    text = warnings.formatwarning(message, category, filename, lineno, line)
    if file is not None:  # the caller asked for that file rather than the log
        file.write(text)
        return
    logging.getLogger("py.warnings").warning("%s", text.rstrip())


def _log_uncaught(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger(__name__).critical(
        "uncaught exception: %s: %s", kind.__name__, error, exc_info=(kind, error, traceback)
    )
