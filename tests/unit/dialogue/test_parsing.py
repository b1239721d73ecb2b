import pytest

from actions.dialogue.feedback import parse_score
from actions.dialogue.order_identity import parse_email, parse_order_id


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5", 5), ("4 stars", 4), ("I'd say three out of five", 3), ("10", None), ("great", None)],
)
def test_parse_score(text: str, expected: int | None) -> None:
    assert parse_score(text) == expected
