"""Personal data and secrets masked in every log line a process writes.

Installed once per process (action server workers, the web app, the Rasa server), as
the logging record factory: whatever logger, handler or format the framework sets
up, a record's message is masked when it is created. Masked: e-mail addresses,
phone numbers, customer tokens, bearer tokens and ``token=`` query values. Order
numbers and conversation ids stay: they are what an operator needs to follow a case
(a REST sender id that is an e-mail address or phone number is masked like any other).

The factory also stamps each record with the conversation being handled
(actions/log_context.py), and :func:`install` switches the process to JSON lines when
``LOG_FORMAT`` (or production) asks for them (actions/log_format.py), which mask the
exception text as well.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from actions import log_context, log_format
from actions.errors import ConfigError

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Customer tokens (actions/identity/tokens.py): v2.<key id>.<customer>.<expiry>.<signature>.
    (re.compile(r"\bv\d\.[!-~]{1,64}?\.\d{6,12}\.[A-Za-z0-9_-]{20,}"), "[customer token]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [redacted]"),
    (re.compile(r"(?i)\b(token|auth_token|api_key|password)=[^&\s\"']+"), r"\1=[redacted]"),
    # Bounded like the assistant's own e-mail pattern: linear time on any line. ``%40`` is
    # the ``@`` of an e-mail in a URL (an access log's path or query).
    (
        re.compile(
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}(?:@|%40)[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
        ),
        "[e-mail]",
    ),
    # 10-15 digits, optionally with +, spaces, dots, dashes or brackets: phone numbers.
    (re.compile(r"(?<![\w.])\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}(?![\w.])"), "[phone]"),
)
# Shorter digit runs (order numbers, years, counts) are not phone numbers.
_MIN_PHONE_DIGITS = 10
# A phone number has at most 15 digits (E.164); longer runs are tracking numbers or decimals.
_MAX_PHONE_DIGITS = 15

_stock_factory = logging.getLogRecordFactory()


def redact(text: str) -> str:
    """``text`` with personal data and secrets replaced by a label."""
    for pattern, label in _MASKS:
        text = pattern.sub(_phone if label == "[phone]" else label, text)
    return text


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(c.isdigit() for c in found)
    return "[phone]" if _MIN_PHONE_DIGITS <= digits <= _MAX_PHONE_DIGITS else found


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _stock_factory(*args, **kwargs)
    # Read when the record is made, in the task that logs: a handler may format it elsewhere.
    setattr(record, log_format.CONVERSATION_ATTRIBUTE, log_context.current_conversation_id())
    try:
        message = record.getMessage()
    except Exception:  # a malformed call is logging's own error to report
        return record
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, None
    return record


def install(environ: Mapping[str, str] | None = None) -> None:
    """Mask every log record this process creates from now on, in the format ``LOG_FORMAT`` asks for.

    Called first thing by each process (idempotent). With JSON, every line any handler writes
    from now on is a JSON object; where Rasa is installed, the work Rasa does on a conversation
    is also scoped to its id. ``environ`` defaults to ``os.environ``.

    Raises:
        SystemExit: ``LOG_FORMAT`` is neither ``json`` nor ``text``; the message names it.

    """
    try:
        chosen = log_format.chosen_format(os.environ if environ is None else environ)
    except ConfigError as refused:
        raise SystemExit(f"refusing to start: {refused}") from refused
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)
    if chosen == "json":
        log_format.use_json(log_format.JsonFormatter(redact, log_format.process_name()))
    if importlib.util.find_spec("rasa") is not None:  # the Rasa server's environment
        log_context.scope_rasa_conversations()
