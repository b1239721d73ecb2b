"""Typed records of saved offer rule sets: each version, and each line of the audit log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from actions.offers.diff import RuleSetDiff
from actions.offers.rules import OfferRule, RuleSet

Action = Literal["load", "create", "update", "enable", "disable", "delete", "rollback"]


class RuleSetVersion(BaseModel):
    """One saved version of the whole rule set, with who saved it and why."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    version: int = Field(ge=1)
    parent: int = Field(ge=0, description="the version this one was made from (0: none)")
    author: str = Field(min_length=1, max_length=80)
    action: Action
    note: str = ""
    saved_at: AwareDatetime
    rules: list[OfferRule]

    @property
    def rule_set(self) -> RuleSet:
        """The rules as a RuleSet (which checks that rule ids are unique)."""
        return RuleSet(rules=self.rules)


class AuditEntry(BaseModel):
    """One line of the audit log: a save, by whom, when, and what it changed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_id: str = Field(default="", description="the stream entry id, once written")
    version: int
    parent: int
    author: str
    action: Action
    note: str = ""
    saved_at: datetime
    changes: RuleSetDiff

    @classmethod
    def of(cls, saved: RuleSetVersion, changes: RuleSetDiff) -> AuditEntry:
        """Describe a version about to be saved."""
        return cls(
            version=saved.version,
            parent=saved.parent,
            author=saved.author,
            action=saved.action,
            note=saved.note,
            saved_at=saved.saved_at,
            changes=changes,
        )

    @classmethod
    def from_stream(cls, entry_id: str, fields: dict[str, str]) -> AuditEntry:
        """Parse a stream entry; raises ValueError (or its subclass ValidationError) when malformed."""
        return cls.model_validate({**fields, "entry_id": entry_id, "changes": json.loads(fields["changes"])})

    def stream_fields(self) -> list[str]:
        """Field/value pairs, flattened, as XADD takes them."""
        fields = self.model_dump(mode="json", exclude={"entry_id", "changes"})
        pairs = [item for name, value in fields.items() for item in (name, str(value))]
        return [*pairs, "changes", self.changes.model_dump_json()]
