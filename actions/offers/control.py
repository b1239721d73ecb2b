"""Control groups: who is held out of a rule, decided by hashing so it never changes."""

from __future__ import annotations

import hashlib

_SCALE = float(2**64)


def control_position(rule_id: str, subject: str) -> float:
    """Where a customer (or anonymous conversation) falls in [0, 1) for one rule.

    The same pair always gives the same position, in every process and after a
    restart, so a held-out customer stays held out; different rules hash
    differently, so the same customers are not held out of every rule.
    """
    digest = hashlib.blake2b(f"{rule_id}\x00{subject}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def in_control(rule_id: str, subject: str, control_share: float) -> bool:
    """Whether this subject is in the rule's control group (shown nothing, logged as 'control')."""
    return control_share > 0 and control_position(rule_id, subject) < control_share
