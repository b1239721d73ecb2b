"""Signed customer tokens: only a live token the store signed for that customer with a live key verifies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable

import pytest

from actions.identity.tokens import (
    DEFAULT_MAX_LIFETIME_S,
    IdentityConfigError,
    KeyRing,
    SigningKey,
    sign_customer_token,
    verify_customer_token,
)
from jobs.identity import main

SECRET = "s3cret-shared-with-the-store-0123456789"
KEYS = KeyRing.single(SECRET)
NOW = 1_790_000_000.0
SIG = "A" * 43


def test_a_token_the_store_signed_verifies_until_it_expires() -> None:
    token = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    assert token.startswith("v2.k1.C10042.1790000600.")
    check = verify_customer_token(token, KEYS, now=NOW + 599)
    assert check.verified and check.reason == "verified"
    assert check.identity is not None
    assert (check.identity.customer_id, check.identity.expires_at) == ("C10042", 1_790_000_600)


def test_an_expired_token_is_refused_as_expired() -> None:
    token = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    check = verify_customer_token(token, KEYS, now=NOW + 600)
    assert not check.verified and check.reason == "expired" and check.identity is None


def test_the_signature_matches_the_documented_format() -> None:
    token = sign_customer_token("C1", SECRET, ttl_s=60, now=NOW, key_id="2027-01")
    message, signature = token.rsplit(".", 1)
    assert message == f"v2.2027-01.C1.{int(NOW) + 60}"
    digest = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).digest()
    assert signature == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("C10042", "C10043"),  # someone else's id, the original signature
        lambda t: t.replace(".1790000600.", ".1790000700."),  # a later expiry
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a changed signature
    ],
    ids=["other-customer", "extended-expiry", "changed-signature"],
)
def test_a_changed_token_is_refused_as_forged(tamper: Callable[[str], str]) -> None:
    token = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    check = verify_customer_token(tamper(token), KEYS, now=NOW)
    assert not check.verified and check.reason == "forged"


def test_another_customers_valid_signature_does_not_verify_a_different_id() -> None:
    theirs = sign_customer_token("C20000", SECRET, ttl_s=600, now=NOW)
    signature = theirs.rsplit(".", 1)[1]
    mine = f"v2.k1.C10042.{int(NOW) + 600}.{signature}"
    assert verify_customer_token(mine, KEYS, now=NOW).reason == "forged"


def test_a_token_signed_with_another_secret_or_checked_without_one_is_forged() -> None:
    token = sign_customer_token("C10042", "another-store-secret", ttl_s=600, now=NOW)
    assert verify_customer_token(token, KEYS, now=NOW).reason == "forged"
    genuine = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    assert verify_customer_token(genuine, KeyRing.single(""), now=NOW).reason == "forged"


def test_a_forged_token_is_reported_as_forged_even_when_its_expiry_is_past() -> None:
    token = sign_customer_token("C10042", "wrong", ttl_s=1, now=NOW)
    assert verify_customer_token(token, KEYS, now=NOW + 100).reason == "forged"


def test_a_token_that_would_live_longer_than_the_maximum_is_refused() -> None:
    year = sign_customer_token("C10042", SECRET, ttl_s=365 * 86400, now=NOW)
    assert verify_customer_token(year, KEYS, now=NOW).reason == "too_long_lived"
    day = sign_customer_token("C10042", SECRET, ttl_s=DEFAULT_MAX_LIFETIME_S, now=NOW)
    assert verify_customer_token(day, KEYS, now=NOW).verified
    assert verify_customer_token(day, KEYS, now=NOW - 1).reason == "too_long_lived"


def test_a_token_signed_with_an_unknown_key_id_is_refused() -> None:
    token = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW, key_id="k9")
    assert verify_customer_token(token, KEYS, now=NOW).reason == "unknown_key"


def test_during_a_rotation_the_previous_key_works_until_its_window_closes() -> None:
    ring = KeyRing(
        current=SigningKey("k2", b"the-new-store-secret-0123456789abcdef"),
        previous=SigningKey("k1", SECRET.encode()),
        previous_valid_until=NOW + 3600,
    )
    old = sign_customer_token("C10042", SECRET, ttl_s=86_000, now=NOW)
    new = sign_customer_token("C10042", "the-new-store-secret-0123456789abcdef", 600, NOW, key_id="k2")
    assert verify_customer_token(old, ring, now=NOW + 3599).verified
    assert verify_customer_token(old, ring, now=NOW + 3600).reason == "unknown_key"
    assert verify_customer_token(new, ring, now=NOW + 10).verified
    # The old key signing a token that names the new key id is a forgery, not a rotation.
    crossed = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW, key_id="k2")
    assert verify_customer_token(crossed, ring, now=NOW).reason == "forged"


def test_the_key_ring_is_read_from_the_environment_naming_each_bad_variable() -> None:
    ring = KeyRing.from_environment(
        {
            "CS_IDENTITY_SECRET": "new",
            "CS_IDENTITY_KEY_ID": "k2",
            "CS_IDENTITY_PREVIOUS_SECRET": "old",
            "CS_IDENTITY_PREVIOUS_KEY_ID": "k1",
            "CS_IDENTITY_PREVIOUS_UNTIL": "2026-12-31T00:00:00+00:00",
            "CS_IDENTITY_MAX_LIFETIME_S": "7200",
        }
    )
    assert (ring.current.key_id, ring.previous and ring.previous.key_id) == ("k2", "k1")
    assert ring.previous_valid_until == 1_798_675_200 and ring.max_lifetime_s == 7200
    assert "new" not in repr(ring) and "old" not in repr(ring)
    bad = [
        ({"CS_IDENTITY_KEY_ID": "not a key id"}, "CS_IDENTITY_KEY_ID"),
        ({"CS_IDENTITY_PREVIOUS_SECRET": "old"}, "CS_IDENTITY_PREVIOUS_KEY_ID"),
        (
            {"CS_IDENTITY_PREVIOUS_SECRET": "o", "CS_IDENTITY_PREVIOUS_KEY_ID": "k0"},
            "CS_IDENTITY_PREVIOUS_UNTIL",
        ),
        (
            {
                "CS_IDENTITY_PREVIOUS_SECRET": "o",
                "CS_IDENTITY_PREVIOUS_KEY_ID": "k0",
                "CS_IDENTITY_PREVIOUS_UNTIL": "2026-12-31T00:00:00",
            },
            "time zone",
        ),
        (
            {
                "CS_IDENTITY_PREVIOUS_SECRET": "o",
                "CS_IDENTITY_PREVIOUS_KEY_ID": "k1",
                "CS_IDENTITY_PREVIOUS_UNTIL": "1790000000",
            },
            "must differ",
        ),
        ({"CS_IDENTITY_MAX_LIFETIME_S": "-5"}, "CS_IDENTITY_MAX_LIFETIME_S"),
    ]
    for environ, named in bad:
        with pytest.raises(IdentityConfigError, match=named):
            KeyRing.from_environment(environ)


@pytest.mark.parametrize("token", [None, ""])
def test_no_token_is_missing(token: object) -> None:
    assert verify_customer_token(token, KEYS, now=NOW).reason == "missing"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        f"v2.k1.C1.notanumber.{SIG}",
        f"v1.C1.1790000600.{SIG}",  # the first format, without a key id
        f"v2.k1..1790000600.{SIG}",
        f"v2..C1.1790000600.{SIG}",
        f"v2.k 1.C1.1790000600.{SIG}",
        "v2.k1.C1.1790000600.short",
        f"v2.k1.C 1.1790000600.{SIG}",
        "v2.k1.C1.1790000600." + "A" * 42 + "+",
        f"v2.k1.Ç1.1790000600.{SIG}",
        "v2.k1." + "C" * 300 + f".1790000600.{SIG}",
        12345,
        {"customer_id": "C1"},
        f"v2.k1.C1.1.{SIG}".encode(),
    ],
)
def test_malformed_input_is_refused_without_raising(token: object) -> None:
    check = verify_customer_token(token, KEYS, now=NOW)
    assert check.reason == "malformed" and check.identity is None


def test_ids_with_dots_are_signed_and_read_back_whole() -> None:
    token = sign_customer_token("store.eu.C7", SECRET, ttl_s=60, now=NOW)
    check = verify_customer_token(token, KEYS, now=NOW)
    assert check.identity is not None and check.identity.customer_id == "store.eu.C7"


@pytest.mark.parametrize(
    ("customer_id", "ttl", "secret", "key_id"),
    [
        ("", 60, SECRET, "k1"),
        ("C 1", 60, SECRET, "k1"),
        ("C1", 0, SECRET, "k1"),
        ("C1", 60, "", "k1"),
        ("C1", 60, SECRET, "k.1"),
    ],
)
def test_signing_refuses_bad_arguments(customer_id: str, ttl: int, secret: str, key_id: str) -> None:
    with pytest.raises(ValueError):
        sign_customer_token(customer_id, secret, ttl_s=ttl, now=NOW, key_id=key_id)


def test_the_command_signs_with_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CS_IDENTITY_SECRET", SECRET)
    monkeypatch.setenv("CS_IDENTITY_KEY_ID", "k7")
    assert main(["sign", "C10042", "--ttl", "120"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("v2.k7.C10042.")
    check = verify_customer_token(token, KeyRing.single(SECRET, "k7"), now=time.time())
    assert check.identity is not None and check.identity.customer_id == "C10042"
    assert main(["verify", token]) == 0
    assert "verified: C10042" in capsys.readouterr().out
    monkeypatch.setenv("CS_IDENTITY_SECRET", "another")
    assert main(["verify", token]) == 1
    assert "refused: forged" in capsys.readouterr().out
    monkeypatch.setenv("CS_IDENTITY_KEY_ID", "bad id")
    assert main(["verify", token]) == 2
    assert "CS_IDENTITY_KEY_ID" in capsys.readouterr().err


def test_the_command_warns_when_it_falls_back_to_the_demo_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CS_IDENTITY_SECRET", raising=False)
    assert main(["sign", "C1"]) == 0
    assert "DEMO secret" in capsys.readouterr().err
