"""Personal data and secrets masked in every log line a process writes.

Installed once per process (action server workers, the web app, the Rasa server), as
the logging record factory: whatever logger, handler or format the framework sets
up, a record's message is masked when it is created. Masked: e-mail addresses,
phone numbers, customer tokens, bearer tokens and ``token=`` query values. Order
numbers and conversation ids stay: they are what an operator needs to follow a case.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Customer tokens (actions/identity/tokens.py): v2.<key id>.<customer>.<expiry>.<signature>.
    (re.compile(r"\bv\d\.[!-~]{1,64}?\.\d{6,12}\.[A-Za-z0-9_-]{20,}"), "[customer token]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [redacted]"),
    (re.compile(r"(?i)\b(token|auth_token|api_key|password)=[^&\s\"']+"), r"\1=[redacted]"),
    # Bounded like the assistant's own e-mail pattern: linear time on any line.
    (
        re.compile(
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
        ),
        "[e-mail]",
    ),
    # 10-15 digits, optionally with +, spaces, dots, dashes or brackets: phone numbers.
    (re.compile(r"(?<![\w.])\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}(?![\w.])"), "[phone]"),
)
# Shorter digit runs (order numbers, years, counts) are not phone numbers.
_MIN_PHONE_DIGITS = 10

_stock_factory = logging.getLogRecordFactory()


def redact(text: str) -> str:
    """``text`` with personal data and secrets replaced by a label."""
    for pattern, label in _MASKS:
        text = pattern.sub(_phone if label == "[phone]" else label, text)
    return text


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    return "[phone]" if sum(c.isdigit() for c in found) >= _MIN_PHONE_DIGITS else found


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _stock_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a malformed call is logging's own error to report
        return record
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, None
    return record


def install() -> None:
    """Mask every log record this process creates from now on (idempotent)."""
    if logging.getLogRecordFactory() is not _redacting_factory:
        logging.setLogRecordFactory(_redacting_factory)
