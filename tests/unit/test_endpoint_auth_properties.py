"""Property tests of the action server's bearer check (actions/endpoint_auth.py): any headers, never a crash.

Only ``Authorization: Bearer <token>`` (the scheme in any case, one space, the token exactly)
is authorised; every other header set is refused without an exception, including values
holding the lone surrogates Sanic makes of bytes that are not UTF-8.
"""

from __future__ import annotations

import string
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import cast

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sanic import Request
from sanic.compat import Header

from actions.endpoint_auth import authorised

PROPERTIES = settings(max_examples=150, deadline=timedelta(seconds=1), derandomize=True, database=None)
TIME_LIMIT_S = 0.1

tokens = st.text(min_size=1, max_size=40) | st.text(
    alphabet=string.ascii_letters + string.digits, min_size=32
)
# Header names are ASCII tokens; values are anything Sanic can hand over.
names = st.sampled_from(
    ["authorization", "Authorization", "AUTHORIZATION", "authorisation", "x-request-id"]
) | (st.text(alphabet=string.ascii_letters + "-", min_size=1, max_size=20))
raw_values = st.binary(max_size=60).map(lambda raw: raw.decode(errors="surrogateescape"))  # as Sanic decodes
values = st.text(max_size=80) | raw_values


@st.composite
def header_sets(draw: st.DrawFn, token: str) -> list[tuple[str, str]]:
    """Headers with arbitrary values and near misses of the right one: another scheme, spacing or token."""
    near = st.sampled_from(
        [f"Bearer {token}", f"bearer {token}", f"BEARER {token}", f"Bearer  {token}", f"Bearer {token} ",
         f"Bearer\t{token}", f"Basic {token}", f"Bearer {token[:-1]}", f"Bearer {token}x", f"Bearer x{token}",
         token, "Bearer", "Bearer ", ""]
    )  # fmt: skip
    return draw(st.lists(st.tuples(names, values | near), max_size=5))


def request(headers: list[tuple[str, str]]) -> Request:
    return cast(Request, SimpleNamespace(headers=Header(headers)))


@PROPERTIES
@given(data=st.data(), token=tokens)
@example(data=None, token="secret").via("a header byte that is not UTF-8, as Sanic decodes it")
def test_only_the_exact_bearer_token_is_authorised(data: st.DataObject | None, token: str) -> None:
    headers = [("Authorization", "Bearer \udcff")] if data is None else data.draw(header_sets(token))
    started = time.perf_counter()
    allowed = authorised(request(headers), token)
    assert time.perf_counter() - started < TIME_LIMIT_S
    first = next((value for name, value in headers if name.lower() == "authorization"), None)
    assert allowed is (first is not None and first[:6].lower() == "bearer" and first[6:] == f" {token}")


@PROPERTIES
@given(token=tokens, presented=values)
def test_a_wrong_token_is_refused_whatever_it_holds(token: str, presented: str) -> None:
    allowed = authorised(request([("Authorization", f"Bearer {presented}")]), token)
    assert allowed is (presented == token)
