"""The suite's file format: categories of conversations, each a list of turns with expectations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conversation_eval.roles import ORDER_ROLES, PRODUCT_ROLE_PATTERN, parse_product_role

_STRICT = ConfigDict(extra="forbid", frozen=True)


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and the field."""


class Turn(BaseModel):
    """One customer message and what the reply must (not) contain; text comparisons ignore case."""

    model_config = _STRICT

    say: str = Field(min_length=1)
    expect: list[str] = Field(default_factory=list, description="every one of these must appear")
    expect_any: list[str] = Field(default_factory=list, description="at least one of these must appear")
    reject: list[str] = Field(default_factory=list, description="none of these may appear")
    max_price: float | None = Field(default=None, ge=0, description="no amount in the reply above this")
    slots: dict[str, Any] = Field(
        default_factory=dict, description="slot values after the turn (null: empty)"
    )

    @field_validator("say", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # YAML reads a bare order number as an integer: the customer typed text.
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @field_validator("expect", "expect_any", "reject", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        return [str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in value or []]


class Conversation(BaseModel):
    """A named conversation with the store data it talks about."""

    model_config = _STRICT

    name: str = Field(min_length=1)
    orders: dict[str, str] = Field(default_factory=dict, description="placeholder -> order role")
    products: dict[str, str] = Field(default_factory=dict, description="placeholder -> product role")
    turns: list[Turn] = Field(min_length=1)

    @model_validator(mode="after")
    def _roles_are_known(self) -> Conversation:
        for name, role in self.orders.items():
            if role not in ORDER_ROLES:
                raise ValueError(
                    f"orders.{name}: unknown order role {role!r}; use one of {', '.join(ORDER_ROLES)}"
                )
        for name, role in self.products.items():
            if parse_product_role(role) is None:
                raise ValueError(
                    f"products.{name}: unknown product role {role!r}; use {PRODUCT_ROLE_PATTERN}"
                )
        clash = set(self.orders) & set(self.products)
        if clash:
            raise ValueError(f"placeholder names used for both an order and a product: {sorted(clash)}")
        return self


class SuiteFile(BaseModel):
    """One file: a category and its conversations."""

    model_config = _STRICT

    category: str = Field(min_length=1, pattern=r"^[a-z_]+$")
    conversations: list[Conversation] = Field(min_length=1)


class Suite(BaseModel):
    """Every conversation, with its category."""

    model_config = _STRICT

    files: list[SuiteFile]

    def items(self) -> list[tuple[str, Conversation]]:
        """(category, conversation) pairs in file order."""
        return [(f.category, c) for f in self.files for c in f.conversations]


def load_suite(path: Path) -> Suite:
    """Read a suite file or every ``*.yml`` in a directory; names must be unique across the suite.

    Raises:
        SuiteError: A file is not YAML, does not follow the format, or repeats a name.

    """
    paths = sorted(path.glob("*.yml")) if path.is_dir() else [path]
    if not paths:
        raise SuiteError(f"{path}: no *.yml suite files")
    files: list[SuiteFile] = []
    seen: dict[str, Path] = {}
    for file in paths:
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
            suite_file = SuiteFile.model_validate(raw)
        except yaml.YAMLError as error:
            raise SuiteError(f"{file}: not valid YAML: {error}") from error
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
            )
            raise SuiteError(f"{file}: {problems}") from error
        for conversation in suite_file.conversations:
            if conversation.name in seen:
                raise SuiteError(
                    f"{file}: conversation name {conversation.name!r} is also in {seen[conversation.name]}"
                )
            seen[conversation.name] = file
        files.append(suite_file)
    return Suite(files=files)
