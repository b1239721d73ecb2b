import time
from pathlib import Path

import pytest
import yaml

from actions.dialogue.feedback import parse_score
from actions.dialogue.order_identity import EMAIL_PATTERN, parse_email, parse_order_id

NLU_REGEXES = Path(__file__).parents[3] / "bot" / "data" / "nlu" / "regex.yml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("104233", "104233"), ("it's #104233", "104233"), ("order 104233, thanks", "104233"),
     ("1042334", None), ("10423", None), ("abc", None), ("", None)],
)  # fmt: skip
def test_parse_order_id(text: str, expected: str | None) -> None:
    assert parse_order_id(text, r"\d{6}") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Sam.Lee+shop@Example.com", "sam.lee+shop@example.com"), ("mail me at jo@mail.example.org please",
     "jo@mail.example.org"), ("jo at example dot com", None), ("@example.com", None)],
)  # fmt: skip
def test_parse_email(text: str, expected: str | None) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize("text", ["a" * 1_000_000, "a." * 500_000, "x@" + "a." * 500_000, "a@" * 500_000])
def test_finding_an_email_in_a_megabyte_is_linear(text: str) -> None:
    # The unbounded pattern took over a second on 40,000 characters, minutes on a megabyte.
    started = time.perf_counter()
    assert parse_email(text) is None
    assert time.perf_counter() - started < 1.0


def test_the_nlu_finds_emails_with_the_same_pattern() -> None:
    regexes = {
        r["regex"]: r["examples"] for r in yaml.safe_load(NLU_REGEXES.read_text())["nlu"] if "regex" in r
    }
    assert regexes["email"].strip() == f"- {EMAIL_PATTERN}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5", 5), ("4 stars", 4), ("I'd say three out of five", 3), ("10", None), ("great", None)],
)
def test_parse_score(text: str, expected: int | None) -> None:
    assert parse_score(text) == expected
