"""The Rasa server's word for a verified customer: stored instead of the token, good in its conversation."""

from __future__ import annotations

from actions.identity.metadata import METADATA_FIELD, VOUCHED_FIELD, checked_metadata, vouched_customer
from actions.identity.tokens import KeyRing, sign_customer_token

STORE_SECRET = "s3cret-shared-with-the-store-0123456789"
KEYS = KeyRing.single(STORE_SECRET)
ACTION_SECRET = "rasa-and-the-action-server-0123456789"
NOW = 1_790_000_000.0


def test_a_verified_token_is_replaced_by_the_customer_and_nothing_else_changes() -> None:
    token = sign_customer_token("C10042", STORE_SECRET, 600, NOW)
    kept, check = checked_metadata({METADATA_FIELD: token, "cart": 12}, "conv-1", KEYS, ACTION_SECRET, NOW)
    assert check.verified and kept["cart"] == 12 and METADATA_FIELD not in kept
    assert token not in repr(kept)
    assert vouched_customer(kept, "conv-1", ACTION_SECRET, NOW) == "C10042"


def test_the_word_is_good_only_in_its_own_conversation_with_the_shared_secret_and_before_expiry() -> None:
    token = sign_customer_token("C10042", STORE_SECRET, 600, NOW)
    kept, _ = checked_metadata({METADATA_FIELD: token}, "conv-1", KEYS, ACTION_SECRET, NOW)
    assert vouched_customer(kept, "conv-2", ACTION_SECRET, NOW) is None
    assert vouched_customer(kept, "conv-1", "another-secret", NOW) is None
    assert vouched_customer(kept, "conv-1", "", NOW) is None
    assert vouched_customer(kept, "conv-1", ACTION_SECRET, NOW + 600) is None


def test_a_customer_entry_sent_by_the_client_is_dropped_and_never_believed() -> None:
    forged = {VOUCHED_FIELD: {"id": "C10002", "expires_at": int(NOW) + 60, "proof": "x" * 43}}
    assert vouched_customer(forged, "conv-1", ACTION_SECRET, NOW) is None
    kept, check = checked_metadata(forged, "conv-1", KEYS, ACTION_SECRET, NOW)
    assert kept == {} and check.reason == "missing"
    kept, check = checked_metadata(
        {**forged, METADATA_FIELD: "v2.k1.C1.1.bad"}, "conv-1", KEYS, ACTION_SECRET, NOW
    )
    assert kept == {} and check.reason == "malformed"


def test_anything_malformed_is_no_customer_without_raising() -> None:
    for metadata in (None, {}, {VOUCHED_FIELD: "C1"}, {VOUCHED_FIELD: {"id": 5, "expires_at": "x"}}, []):
        assert vouched_customer(metadata, "conv-1", ACTION_SECRET, NOW) is None  # type: ignore[arg-type]
    kept, check = checked_metadata(None, "conv-1", KEYS, ACTION_SECRET, NOW)
    assert kept == {} and check.reason == "missing"
