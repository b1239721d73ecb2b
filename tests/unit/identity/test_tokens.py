"""Signed customer tokens: only a token the store signed, for that customer, and not expired, verifies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from actions.identity.metadata import METADATA_FIELD, identity_from_metadata
from actions.identity.tokens import (
    DEMO_IDENTITY_SECRET,
    sign_customer_token,
    uses_demo_secret,
    verify_customer_token,
)
from jobs.identity import main

SECRET = "s3cret-shared-with-the-store-0123456789"
NOW = 1_790_000_000.0


def test_a_token_the_store_signed_verifies_until_it_expires() -> None:
    token = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    assert token.startswith("v1.C10042.1790000600.")
    check = verify_customer_token(token, SECRET, now=NOW + 599)
    assert check.verified and check.reason == "verified"
    assert check.identity is not None
    assert (check.identity.customer_id, check.identity.expires_at) == ("C10042", 1_790_000_600)


def test_an_expired_token_is_refused_as_expired() -> None:
    token = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    check = verify_customer_token(token, SECRET, now=NOW + 600)
    assert not check.verified and check.reason == "expired" and check.identity is None


def test_the_signature_matches_the_documented_format() -> None:
    token = sign_customer_token("C1", SECRET, ttl_s=60, now=NOW)
    message, signature = token.rsplit(".", 1)
    digest = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).digest()
    assert signature == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("C10042", "C10043"),  # someone else's id, the original signature
        lambda t: t.replace(".1790000600.", ".1990000600."),  # a later expiry
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a changed signature
    ],
    ids=["other-customer", "extended-expiry", "changed-signature"],
)
def test_a_changed_token_is_refused_as_forged(tamper: Callable[[str], str]) -> None:
    token = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    check = verify_customer_token(tamper(token), SECRET, now=NOW)
    assert not check.verified and check.reason == "forged"


def test_another_customers_valid_signature_does_not_verify_a_different_id() -> None:
    theirs = sign_customer_token("C20000", SECRET, ttl_s=600, now=NOW)
    signature = theirs.rsplit(".", 1)[1]
    mine = f"v1.C10042.{int(NOW) + 600}.{signature}"
    assert verify_customer_token(mine, SECRET, now=NOW).reason == "forged"


def test_a_token_signed_with_another_secret_or_checked_without_one_is_forged() -> None:
    token = sign_customer_token("C10042", "another-store-secret", ttl_s=600, now=NOW)
    assert verify_customer_token(token, SECRET, now=NOW).reason == "forged"
    genuine = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    assert verify_customer_token(genuine, "", now=NOW).reason == "forged"


def test_a_forged_token_is_reported_as_forged_even_when_its_expiry_is_past() -> None:
    token = sign_customer_token("C10042", "wrong", ttl_s=1, now=NOW)
    assert verify_customer_token(token, SECRET, now=NOW + 100).reason == "forged"


@pytest.mark.parametrize("token", [None, ""])
def test_no_token_is_missing(token: object) -> None:
    assert verify_customer_token(token, SECRET, now=NOW).reason == "missing"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "v1.C1.notanumber.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v2.C1.1790000600.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1..1790000600.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.C1.1790000600.short",
        "v1.C 1.1790000600.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.C1.1790000600.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
        "v1.Ç1.1790000600.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1." + "C" * 300 + ".1790000600.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        12345,
        {"customer_id": "C1"},
        b"v1.C1.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_malformed_input_is_refused_without_raising(token: object) -> None:
    check = verify_customer_token(token, SECRET, now=NOW)
    assert check.reason == "malformed" and check.identity is None


def test_ids_with_dots_are_signed_and_read_back_whole() -> None:
    token = sign_customer_token("store.eu.C7", SECRET, ttl_s=60, now=NOW)
    check = verify_customer_token(token, SECRET, now=NOW)
    assert check.identity is not None and check.identity.customer_id == "store.eu.C7"


def test_a_secret_str_works_like_its_value() -> None:
    token = sign_customer_token("C1", SecretStr(SECRET), ttl_s=60, now=NOW)
    assert verify_customer_token(token, SECRET, now=NOW).verified
    assert verify_customer_token(token, SecretStr(SECRET), now=NOW).verified


@pytest.mark.parametrize(
    ("customer_id", "ttl", "secret"),
    [("", 60, SECRET), ("C 1", 60, SECRET), ("C1", 0, SECRET), ("C1", 60, "")],
)
def test_signing_refuses_bad_arguments(customer_id: str, ttl: int, secret: str) -> None:
    with pytest.raises(ValueError):
        sign_customer_token(customer_id, secret, ttl_s=ttl, now=NOW)


def test_identity_comes_from_the_session_metadata() -> None:
    token = sign_customer_token("C10042", SECRET, ttl_s=600, now=NOW)
    check = identity_from_metadata({METADATA_FIELD: token, "other": 1}, SECRET, now=NOW)
    assert check.identity is not None and check.identity.customer_id == "C10042"
    assert identity_from_metadata({}, SECRET, now=NOW).reason == "missing"
    assert identity_from_metadata(None, SECRET, now=NOW).reason == "missing"
    assert identity_from_metadata({METADATA_FIELD: ["x"]}, SECRET, now=NOW).reason == "malformed"


def test_the_command_signs_with_the_secret_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CS_IDENTITY_SECRET", SECRET)
    assert main(["sign", "C10042", "--ttl", "120"]) == 0
    token = capsys.readouterr().out.strip()
    check = verify_customer_token(token, SECRET, now=time.time())
    assert check.identity is not None and check.identity.customer_id == "C10042"
    assert main(["verify", token]) == 0
    assert "verified: C10042" in capsys.readouterr().out
    monkeypatch.setenv("CS_IDENTITY_SECRET", "another")
    assert main(["verify", token]) == 1
    assert "refused: forged" in capsys.readouterr().out


def test_the_command_warns_when_it_falls_back_to_the_demo_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CS_IDENTITY_SECRET", raising=False)
    assert main(["sign", "C1"]) == 0
    assert "DEMO secret" in capsys.readouterr().err


def test_the_demo_secret_is_recognised() -> None:
    assert uses_demo_secret(SecretStr(DEMO_IDENTITY_SECRET)) and uses_demo_secret(DEMO_IDENTITY_SECRET)
    assert not uses_demo_secret(SECRET)
