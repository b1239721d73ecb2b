"""Property tests of the e-mail pattern the NLU and the order form share: linear time on any input.

The pattern runs on every message (Rasa's regex featurizer and extractor, bot/data/nlu/regex.yml)
and on every e-mail the order form asks for (actions/dialogue/order_identity.py). An unbounded
form of it took seconds on 40,000 characters; this one must scan 100,000 in well under a second,
and four times the text must take about four times as long, never sixteen.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from functools import cache
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.dialogue.order_identity import EMAIL_PATTERN, parse_email

NLU_REGEXES = Path(__file__).parents[2] / "bot" / "data" / "nlu" / "regex.yml"
LONG = 100_000
LONG_LIMIT_S = 0.5
PROPERTIES = settings(max_examples=40, deadline=timedelta(seconds=2), derandomize=True, database=None)

# What addresses are made of, and what ends them.
EMAIL_CHARACTERS = list("aZ9._%+-@") + [" ", "\n", "é", "<"]
local_part = st.text(alphabet="aZ9._%+-", min_size=1, max_size=70)
label = st.text(alphabet="aZ9-", min_size=1, max_size=70)
near_addresses = st.builds(
    lambda local, labels, tld, end: f"{local}@{'.'.join(labels)}.{tld}{end}",
    local_part,
    st.lists(label, min_size=1, max_size=11),
    st.text(alphabet="aZ9-", max_size=26),
    st.sampled_from(["", " ", ".", "@", "-", "a"]),
)
units = st.one_of(
    st.text(alphabet=st.sampled_from(EMAIL_CHARACTERS), min_size=1, max_size=12),
    near_addresses,
    st.text(min_size=1, max_size=6),
)


@cache
def patterns() -> tuple[re.Pattern[str], ...]:
    """As the order form compiles it, and as Rasa does from regex.yml (case-sensitive or not)."""
    regexes = yaml.safe_load(NLU_REGEXES.read_text(encoding="utf-8"))["nlu"]
    nlu = next(r["examples"] for r in regexes if r.get("regex") == "email").strip().removeprefix("- ")
    return re.compile(EMAIL_PATTERN), re.compile(nlu), re.compile(nlu, re.IGNORECASE)


def repeated(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def scan_time(text: str) -> float:
    """Seconds to find every match with every pattern: the best of three runs, against timer noise."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for pattern in patterns():
            for _match in pattern.finditer(text):
                pass
        runs.append(time.perf_counter() - started)
    return min(runs)


@PROPERTIES
@given(unit=units)
def test_finding_emails_takes_linear_time_on_repeated_text(unit: str) -> None:
    quarter, whole = scan_time(repeated(unit, LONG // 4)), scan_time(repeated(unit, LONG))
    assert whole < LONG_LIMIT_S, f"{whole:.3f} s for {LONG} characters"
    # Linear: about 4x (quadratic would be 16x); the constant absorbs timer noise on tiny times.
    assert whole <= 8 * quarter + 0.005, f"{quarter:.4f} s -> {whole:.4f} s for 4x the text"


@PROPERTIES
@given(parts=st.lists(units, min_size=1, max_size=8), length=st.integers(1, LONG))
def test_finding_emails_in_mixed_text_is_bounded(parts: list[str], length: int) -> None:
    text = repeated("".join(parts), length)
    started = time.perf_counter()
    found = parse_email(text)
    assert time.perf_counter() - started < LONG_LIMIT_S
    if found is not None:
        assert "@" in found and found in text.lower()


@settings(PROPERTIES, max_examples=200)
@given(text=st.text(max_size=300) | near_addresses)
def test_a_found_address_is_part_of_the_text(text: str) -> None:
    found = parse_email(text)
    if found is not None:
        local, _, domain = found.partition("@")
        assert found in text.lower()
        assert 1 <= len(local) <= 64 and "." in domain
