"""Property tests of conversation tickets (rasa_addons/conversation_ids.py): whatever a socket sends.

``verify`` never raises and returns True only for a ticket that states an expiry still ahead
and the server's signature of that id with that expiry, i.e. one the server issued for it.
"""

from __future__ import annotations

import hashlib
import hmac
import string
import time
from datetime import timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rasa_addons.conversation_ids import MAX_ID_LENGTH, ConversationTickets

PROPERTIES = settings(max_examples=300, deadline=timedelta(seconds=1), derandomize=True, database=None)
TIME_LIMIT_S = 0.1
SECRET = "property-test-secret-" + "s" * 16
NOW = 1_800_000_000.0
TTL_S = 3600

# Whatever JSON a socket.io client can send, and strings shaped like ids and tickets.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
ticket_like = st.builds(
    lambda expiry, signature: f"{expiry}.{signature}",
    st.text(alphabet=string.digits + "²١", max_size=20) | st.integers(0, 2**70).map(str),
    st.text(alphabet=string.hexdigits, max_size=70) | st.text(max_size=70),
)
ascii_ids = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=MAX_ID_LENGTH
)


def tickets(now: float = NOW) -> ConversationTickets:
    return ConversationTickets(SECRET, ttl_s=TTL_S, clock=lambda: now)


def reading(ticket: str) -> tuple[int, str] | None:
    """The expiry and signature a ticket states (None: it states none)."""
    expiry, _, signature = ticket.partition(".")
    return (int(expiry), signature) if expiry.isascii() and expiry.isdigit() else None


def signed_by_server(conversation_id: str, ticket: str, now: float) -> bool:
    """What "issued for this id" means: an expiry after ``now`` and the server's HMAC of ``<id>.<expiry>``."""
    stated = reading(ticket)
    if stated is None:
        return False
    expiry, signature = stated
    message = f"{conversation_id}.{expiry}".encode(errors="surrogatepass")
    return expiry > now and signature == hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()


def timed_verify(checker: ConversationTickets, conversation_id: object, ticket: object) -> bool:
    started = time.perf_counter()
    valid = checker.verify(conversation_id, ticket)
    assert time.perf_counter() - started < TIME_LIMIT_S
    assert isinstance(valid, bool)
    return valid


@PROPERTIES
@given(conversation_id=json_values | ascii_ids | st.text(), ticket=json_values | ticket_like | st.text())
@example(conversation_id="abc", ticket="².0").via("a digit int() cannot read")
@example(conversation_id="\ud800", ticket="1.0").via("a lone surrogate from JSON's \\ud800")
@example(conversation_id="abc", ticket="1.\udcff").via("a lone surrogate in the signature")
@example(conversation_id="a" * 100_000, ticket="1" * 100_000).via("huge values")
def test_anything_a_socket_sends_is_refused_without_an_exception(
    conversation_id: object, ticket: object
) -> None:
    assert not timed_verify(tickets(), conversation_id, ticket)


@PROPERTIES
@given(
    conversation_id=ascii_ids,
    presented_id=ascii_ids | st.text(max_size=70),
    edit=st.tuples(st.integers(0, 100), st.text(max_size=3), st.integers(0, 3)),
    later_s=st.integers(-TTL_S, 2 * TTL_S),
)
def test_only_a_ticket_the_server_signed_for_the_id_passes_until_it_expires(
    conversation_id: str, presented_id: str, edit: tuple[int, str, int], later_s: int
) -> None:
    issued = tickets().issue(conversation_id)
    at, inserted, removed = edit
    edited = issued[:at] + inserted + issued[at + removed :]
    now = NOW + later_s
    checker = tickets(now)
    for candidate_id, candidate in [
        (conversation_id, edited),
        (presented_id, issued),
        (presented_id, edited),
    ]:
        if timed_verify(checker, candidate_id, candidate):
            assert signed_by_server(candidate_id, candidate, now)
    assert timed_verify(checker, conversation_id, issued) is (later_s < TTL_S)
    assert not timed_verify(
        ConversationTickets("another-" + SECRET, clock=lambda: NOW), conversation_id, issued
    )


@PROPERTIES
@given(st.data())
def test_a_new_conversation_passes_with_its_own_ticket_only(data: st.DataObject) -> None:
    checker = tickets()
    first_id, first_ticket = checker.new_conversation()
    second_id, second_ticket = checker.new_conversation()
    assert checker.verify(first_id, first_ticket) and checker.verify(second_id, second_ticket)
    assert not checker.verify(first_id, second_ticket) and not checker.verify(second_id, first_ticket)
    position = data.draw(st.integers(0, len(first_ticket) - 1))
    replacement = data.draw(st.characters().filter(lambda char: char != first_ticket[position]))
    forged = first_ticket[:position] + replacement + first_ticket[position + 1 :]
    if timed_verify(checker, first_id, forged):
        assert signed_by_server(first_id, forged, NOW)
