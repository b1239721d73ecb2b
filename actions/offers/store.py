"""Offer rules in Redis: every save is a new numbered version, audited, and can be rolled back.

Keys (see ``actions/keys.py``): ``offers:rules:v{n}`` holds each version's JSON,
``offers:rules:current`` the number in force, ``offers:rules:audit`` a stream of
who saved what and when. A save names the version it started from; a Lua script
checks that it is still current and writes the version, the pointer and the audit
entry in one step, so two marketers saving at once cannot overwrite each other:
the second gets ``OfferRulesConflict``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import ValidationError
from redis.asyncio import Redis

from actions.errors import OfferRuleNotFound, OfferRulesConflict, OfferRulesInvalid, StoreDataError
from actions.keys import OFFER_AUDIT_MAXLEN, Keys
from actions.offers.diff import RuleSetDiff, diff_rule_sets
from actions.offers.rules import OfferRule, RuleSet
from actions.offers.validation import problems_of
from actions.offers.versions import Action, AuditEntry, RuleSetVersion
from actions.redis_edge import store_call, text

logger = logging.getLogger(__name__)

# KEYS: pointer, new version, audit stream. ARGV: expected version, version JSON,
# audit maxlen, then the audit entry's field/value pairs.
_SAVE_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current ~= tonumber(ARGV[1]) then return {0, current} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {-1, current} end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[1], current + 1)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
return {1, current + 1}
"""


class RuleStore:
    """Saves, reads, edits and rolls back offer rule sets in Redis."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._save_script = redis.register_script(_SAVE_SCRIPT)

    async def current_version(self) -> int:
        """Return the number of the version in force; 0 before any rules were saved."""
        with store_call("read which offer rules version is in force"):
            raw = await self._redis.get(self._keys.offer_rules_current)
        return int(raw) if raw is not None else 0

    async def current(self) -> RuleSetVersion | None:
        """Return the version in force, validated; None before any rules were saved."""
        version = await self.current_version()
        return await self.get(version) if version else None

    async def current_rules(self) -> tuple[int, RuleSet]:
        """Return the version number in force and its rules (an empty set before the first save)."""
        current = await self.current()
        return (current.version, current.rule_set) if current else (0, RuleSet())

    async def get(self, version: int) -> RuleSetVersion:
        """Any saved version, validated again on the way out; raises OfferRuleNotFound."""
        key = self._keys.offer_rules_version(version)
        with store_call(f"read offer rules version {version}"):
            raw = await self._redis.get(key)
        if raw is None:
            raise OfferRuleNotFound(f"offer rule set version {version} does not exist")
        try:
            saved = RuleSetVersion.model_validate_json(raw)
            saved.rule_set  # noqa: B018  (re-checks that rule ids are unique)
        except ValidationError as error:
            raise OfferRulesInvalid(problems_of(error), key) from error
        return saved

    async def history(self, limit: int = 50) -> list[AuditEntry]:
        """Return the newest ``limit`` audit entries, newest first."""
        with store_call("read the offer rules audit log"):
            raw = await self._redis.xrevrange(self._keys.offer_rules_audit, count=limit)
        entries = cast(list[tuple[Any, dict[Any, Any]]], raw or [])
        history = []
        for entry_id, raw_fields in entries:
            fields = {text(k): text(v) for k, v in raw_fields.items()}
            try:
                history.append(AuditEntry.from_stream(text(entry_id), fields))
            except (KeyError, ValueError) as error:
                raise StoreDataError(
                    f"{self._keys.offer_rules_audit} entry {text(entry_id)} is malformed"
                ) from error
        return history

    async def diff(self, old_version: int, new_version: int) -> RuleSetDiff:
        """Compare one saved version with another (0 stands for the empty rule set)."""
        old = (await self.get(old_version)).rule_set if old_version else RuleSet()
        new = (await self.get(new_version)).rule_set if new_version else RuleSet()
        return diff_rule_sets(old, new)

    async def save(
        self, rules: RuleSet, author: str, *, expected_version: int | None = None, note: str = ""
    ) -> RuleSetVersion:
        """Replace the whole rule set (e.g. from a file) with a new version.

        Args:
            rules: the complete new rule set.
            author: who saves it, for the audit log.
            expected_version: the version the edit started from; when another save
                happened since, ``OfferRulesConflict`` is raised and nothing is saved.
                None means "whatever is current now".
            note: why, for the audit log.

        """
        return await self._edit(author, "load", note, expected_version, lambda _: rules)

    async def rollback(
        self, version: int, author: str, *, expected_version: int | None = None
    ) -> RuleSetVersion:
        """Make an old version's rules current again, as a new version (the history is kept)."""
        target = await self.get(version)
        return await self._edit(
            author, "rollback", f"rollback to version {version}", expected_version, lambda _: target.rule_set
        )

    async def create(
        self, rule: OfferRule, author: str, *, expected_version: int | None = None
    ) -> RuleSetVersion:
        """Add a rule; its id must be new."""

        def change(rules: RuleSet) -> RuleSet:
            if rules.get(rule.id) is not None:
                raise OfferRulesInvalid([f"id: a rule with id '{rule.id}' already exists"])
            return RuleSet(rules=[*rules.rules, rule])

        return await self._edit(author, "create", rule.id, expected_version, change)

    async def update(
        self, rule: OfferRule, author: str, *, expected_version: int | None = None
    ) -> RuleSetVersion:
        """Replace the rule with the same id."""
        return await self._edit(
            author, "update", rule.id, expected_version, _replacing(rule.id, lambda _: rule)
        )

    async def enable(
        self, rule_id: str, author: str, *, expected_version: int | None = None
    ) -> RuleSetVersion:
        """Switch a rule on."""
        switch = _replacing(rule_id, lambda old: old.model_copy(update={"enabled": True}))
        return await self._edit(author, "enable", rule_id, expected_version, switch)

    async def disable(
        self, rule_id: str, author: str, *, expected_version: int | None = None
    ) -> RuleSetVersion:
        """Switch a rule off; its counters and history are kept."""
        switch = _replacing(rule_id, lambda old: old.model_copy(update={"enabled": False}))
        return await self._edit(author, "disable", rule_id, expected_version, switch)

    async def delete(
        self, rule_id: str, author: str, *, expected_version: int | None = None
    ) -> RuleSetVersion:
        """Remove a rule from the rule set (older versions still hold it)."""

        def change(rules: RuleSet) -> RuleSet:
            if rules.get(rule_id) is None:
                raise OfferRuleNotFound(f"no offer rule with id '{rule_id}'")
            return RuleSet(rules=[r for r in rules.rules if r.id != rule_id])

        return await self._edit(author, "delete", rule_id, expected_version, change)

    async def _edit(
        self,
        author: str,
        action: Action,
        note: str,
        expected_version: int | None,
        change: Callable[[RuleSet], RuleSet],
    ) -> RuleSetVersion:
        if not author.strip():
            raise OfferRulesInvalid(["author: must not be empty"])
        base_version, base = await self.current_rules()
        if expected_version is not None and expected_version != base_version:
            raise OfferRulesConflict(expected_version, base_version)
        new_rules = change(base)
        saved = RuleSetVersion(
            version=base_version + 1,
            parent=base_version,
            author=author.strip(),
            action=action,
            note=note,
            saved_at=datetime.now(UTC),
            rules=new_rules.rules,
        )
        document = saved.model_dump_json()
        # Validated on save exactly as it will be on load: what cannot be read back is not written.
        try:
            RuleSetVersion.model_validate_json(document).rule_set  # noqa: B018
        except ValidationError as error:
            raise OfferRulesInvalid(problems_of(error)) from error
        changes = diff_rule_sets(base, new_rules)
        audit = AuditEntry.of(saved, changes)
        args: list[str | int] = [base_version, document, OFFER_AUDIT_MAXLEN, *audit.stream_fields()]
        keys = [
            self._keys.offer_rules_current,
            self._keys.offer_rules_version(saved.version),
            self._keys.offer_rules_audit,
        ]
        with store_call(f"save offer rules version {saved.version}"):
            status, current = await self._save_script(keys=keys, args=args)
        if status == 0:
            raise OfferRulesConflict(base_version, int(current))
        if status == -1:
            raise StoreDataError(f"{keys[1]} exists although {keys[0]} says version {current} is the newest")
        logger.info(
            "offer rules version %s saved by %s (%s): %s",
            saved.version,
            saved.author,
            action,
            changes.summary(),
        )
        return saved


def _replacing(rule_id: str, make: Callable[[OfferRule], OfferRule]) -> Callable[[RuleSet], RuleSet]:
    def change(rules: RuleSet) -> RuleSet:
        old = rules.get(rule_id)
        if old is None:
            raise OfferRuleNotFound(f"no offer rule with id '{rule_id}'")
        return RuleSet(rules=[make(old) if r.id == rule_id else r for r in rules.rules])

    return change
