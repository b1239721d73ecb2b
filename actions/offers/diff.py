"""What changed between two offer rule sets: the summary kept in the audit log."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from actions.offers.rules import RuleSet


class RuleSetDiff(BaseModel):
    """Rules added, removed, and for each changed rule the field paths that differ."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when the two rule sets hold the same rules (decisions never depend on their order)."""
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        """One line for a terminal or a log, e.g. ``added: a; changed: b (enabled, priority)``."""
        parts = []
        if self.added:
            parts.append("added: " + ", ".join(self.added))
        if self.removed:
            parts.append("removed: " + ", ".join(self.removed))
        if self.changed:
            parts.append(
                "changed: "
                + ", ".join(f"{rule} ({', '.join(fields)})" for rule, fields in self.changed.items())
            )
        return "; ".join(parts) or "no changes"


def _changed_paths(old: Any, new: Any, path: str) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        paths: list[str] = []
        for key in [*old, *(k for k in new if k not in old)]:
            child = f"{path}.{key}" if path else str(key)
            paths += _changed_paths(old.get(key), new.get(key), child)
        return paths
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        paths = []
        for index, (old_item, new_item) in enumerate(zip(old, new, strict=True)):
            paths += _changed_paths(old_item, new_item, f"{path}[{index}]")
        return paths
    return [] if old == new else [path]


def diff_rule_sets(old: RuleSet, new: RuleSet) -> RuleSetDiff:
    """Compare two rule sets rule by rule (matched by id), field by field."""
    old_rules = {rule.id: rule.model_dump(mode="json") for rule in old.rules}
    new_rules = {rule.id: rule.model_dump(mode="json") for rule in new.rules}
    changed = {
        rule_id: fields
        for rule_id, dumped in new_rules.items()
        if rule_id in old_rules and (fields := _changed_paths(old_rules[rule_id], dumped, ""))
    }
    return RuleSetDiff(
        added=[rule_id for rule_id in new_rules if rule_id not in old_rules],
        removed=[rule_id for rule_id in old_rules if rule_id not in new_rules],
        changed=changed,
    )
