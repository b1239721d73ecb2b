"""JSON log lines: one object per line, the fields, masking, and LOG_FORMAT (actions/log_format.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions import log_format, log_redaction
from actions.errors import ConfigError
from actions.log_context import conversation_scope

EMAIL = "sam.lee@example.com"


@pytest.fixture
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Whatever ``install`` changes in this process is put back after the test."""
    stock_factory = logging.getLogRecordFactory()
    monkeypatch.setattr(logging.Handler, "format", logging.Handler.format)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv("TQDM_DISABLE", "")
    monkeypatch.delenv("TQDM_DISABLE")
    try:
        yield
    finally:
        logging.setLogRecordFactory(stock_factory)


@contextmanager
def _captured(name: str) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """Logger ``name`` with a handler in a framework's text format; what it writes is read back."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s"))
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    with _captured("tests.log_format") as captured:
        yield captured


def _parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _record(message: str, *args: object, **attributes: Any) -> logging.LogRecord:
    record = logging.LogRecord("shop.orders", logging.WARNING, __file__, 7, message, args or None, None)
    record.__dict__.update(attributes)
    return record


def _formatter() -> log_format.JsonFormatter:
    return log_format.JsonFormatter(log_redaction.redact, "action-server")


@pytest.mark.parametrize(
    ("environ", "chosen"),
    [
        ({}, "text"),
        ({"CS_ENV": "demo"}, "text"),
        ({"CS_ENV": "production"}, "json"),
        ({"CS_ENV": "production", "LOG_FORMAT": "text"}, "text"),
        ({"LOG_FORMAT": "json"}, "json"),
        ({"LOG_FORMAT": " JSON "}, "json"),
        ({"LOG_FORMAT": ""}, "text"),
    ],
)
def test_the_format_is_chosen_by_log_format_then_by_cs_env(environ: dict[str, str], chosen: str) -> None:
    assert log_format.chosen_format(environ) == chosen


@pytest.mark.parametrize("value", ["xml", "jsonl", "plain"])
def test_an_unknown_log_format_is_refused_naming_the_setting(value: str) -> None:
    with pytest.raises(ConfigError, match=f"LOG_FORMAT must be json or text, not '{value}'"):
        log_format.chosen_format({"LOG_FORMAT": value, "CS_ENV": "production"})


def test_installing_an_unknown_log_format_stops_the_process_naming_it(restore_logging: None) -> None:
    with pytest.raises(SystemExit, match="refusing to start: LOG_FORMAT must be json or text"):
        log_redaction.install({"LOG_FORMAT": "yaml"})


def test_a_line_is_one_json_object_with_the_fields() -> None:
    record = _record("order %s shipped\nsecond line", "104233")
    line = _formatter().format(record)

    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed == {
        "timestamp": parsed["timestamp"],
        "level": "WARNING",
        "logger": "shop.orders",
        "message": "order 104233 shipped\nsecond line",
        "process": "action-server",
        "worker": record.processName,
        "pid": os.getpid(),
    }
    stamp = datetime.fromisoformat(parsed["timestamp"])
    assert stamp.utcoffset() == timedelta(0)
    assert stamp == datetime.fromtimestamp(record.created, UTC).replace(microsecond=int(record.msecs) * 1000)


def test_message_conversation_id_and_extra_fields_are_masked() -> None:
    record = _record(
        "lookup for %s failed",
        EMAIL,
        cs_conversation_id="+44 20 7946 0958",
        request=f"GET /x?email={EMAIL}&token=s3cret",
        status=200,
        color_message="\x1b[1mlookup\x1b[0m",
    )
    parsed = json.loads(_formatter().format(record))

    assert parsed["message"] == "lookup for [e-mail] failed"
    assert parsed["conversation_id"] == "[phone]"
    assert parsed["request"] == "GET /x?email=[e-mail]&token=[redacted]"
    assert parsed["status"] == 200
    assert "color_message" not in parsed


def test_exception_text_is_masked_and_kept_on_the_line() -> None:
    def look_up(email: str) -> None:
        raise LookupError(f"no customer with e-mail {email}")

    try:
        look_up(EMAIL)
    except LookupError:
        record = _record("lookup failed", exc_info=sys.exc_info())

    parsed = json.loads(_formatter().format(record))

    assert parsed["exception"].startswith("Traceback (most recent call last):")
    assert "LookupError: no customer with e-mail [e-mail]" in parsed["exception"]
    assert EMAIL not in json.dumps(parsed)


def test_colour_codes_are_dropped() -> None:
    parsed = json.loads(_formatter().format(_record("\x1b[93mUserWarning: slot\x1b[0m")))
    assert parsed["message"] == "UserWarning: slot"


def test_the_process_is_named_after_the_module_python_ran() -> None:
    assert log_format.process_name("/srv/.venv/lib/site-packages/rasa_sdk/__main__.py") == "action-server"
    assert log_format.process_name("/srv/rasa_addons/__main__.py") == "rasa"
    assert log_format.process_name("/srv/web/__main__.py") == "web"
    assert log_format.process_name("/srv/jobs/reindex.py") == "reindex"


def test_once_installed_every_handler_writes_json_whatever_its_formatter(
    restore_logging: None, lines: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, stream = lines
    log_redaction.install({"LOG_FORMAT": "json"})

    logger.info("order found for %s", EMAIL)
    with conversation_scope("c-7f3a"):
        logger.info("inside")
    logger.info("after")

    first, inside, after = _parsed(stream)
    assert first["message"] == "order found for [e-mail]"
    assert first["logger"] == "tests.log_format"
    assert "conversation_id" not in first
    assert inside["conversation_id"] == "c-7f3a"
    assert "conversation_id" not in after
    assert os.environ["TQDM_DISABLE"] == "1"


def test_an_uncaught_exception_is_logged_as_json_and_masked(restore_logging: None) -> None:
    log_redaction.install({"CS_ENV": "production"})

    with _captured("actions.log_format") as (_, stream):
        try:
            raise RuntimeError(f"start failed for {EMAIL}")
        except RuntimeError as error:
            sys.excepthook(RuntimeError, error, error.__traceback__)

    (line,) = _parsed(stream)
    assert line["level"] == "CRITICAL"
    assert "RuntimeError: start failed for [e-mail]" in line["exception"]


def test_a_warning_is_logged_as_json_and_masked(restore_logging: None) -> None:
    log_redaction.install({"LOG_FORMAT": "json"})

    with _captured("py.warnings") as (_, stream):
        warnings.showwarning(UserWarning(f"slot filled from {EMAIL}"), UserWarning, "bot/forms.py", 12)

    (line,) = _parsed(stream)
    assert line["level"] == "WARNING"
    assert line["message"] == "bot/forms.py:12: UserWarning: slot filled from [e-mail]"


def test_text_stays_the_frameworks_own_format(
    restore_logging: None, lines: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, stream = lines
    stock_format, stock_showwarning = logging.Handler.format, warnings.showwarning
    log_redaction.install({})

    logger.info("order found for %s", EMAIL)

    assert stream.getvalue().rstrip().endswith("INFO     tests.log_format  - order found for [e-mail]")
    assert logging.Handler.format is stock_format
    assert warnings.showwarning is stock_showwarning
