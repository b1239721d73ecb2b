"""Personal data and secrets never reach a log line."""

from __future__ import annotations

import logging
import time

import pytest

from actions import log_redaction
from actions.identity.tokens import DEMO_IDENTITY_SECRET, sign_customer_token


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("lookup for Sam.Lee+shop@Example.co.uk failed", "lookup for [e-mail] failed"),
        (
            "POST /api/agent/conversations/sam%40example.com/claim",
            "POST /api/agent/conversations/[e-mail]/claim",
        ),
        (
            "GET /conversations/c1/tracker?token=s3cret&x=1",
            "GET /conversations/c1/tracker?token=[redacted]&x=1",
        ),
        ("Authorization: Bearer DEMO-ONLY-action-server-token", "Authorization: Bearer [redacted]"),
        ("call me on +1 (555) 123-4567 please", "call me on [phone] please"),
        ("order 104233 took 2026 ms for 12 items", "order 104233 took 2026 ms for 12 items"),
        # Longer than any phone number: a confidence, a USPS tracking number.
        ('"confidence": 0.9999998807907104', '"confidence": 0.9999998807907104'),
        ("tracking 9400583907418309934177", "tracking 9400583907418309934177"),
        ("text me at +44 7911 123456", "text me at [phone]"),
    ],
)
def test_a_line_is_masked(line: str, masked: str) -> None:
    assert log_redaction.redact(line) == masked


def test_a_customer_token_is_masked() -> None:
    token = sign_customer_token("C10002", DEMO_IDENTITY_SECRET)
    assert log_redaction.redact(f"metadata {{'customer_token': '{token}'}}") == (
        "metadata {'customer_token': '[customer token]'}"
    )


def test_masking_a_megabyte_is_linear() -> None:
    started = time.perf_counter()
    for text in ("a." * 500_000, "1" * 1_000_000, "a@" * 500_000):
        log_redaction.redact(text)
    assert time.perf_counter() - started < 2.0


def test_once_installed_every_logger_writes_masked_records(caplog: pytest.LogCaptureFixture) -> None:
    stock = logging.getLogRecordFactory()
    log_redaction.install({})
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("any.module").info("order found for %s", "sam@example.com")
        assert caplog.records[-1].getMessage() == "order found for [e-mail]"
    finally:
        logging.setLogRecordFactory(stock)
