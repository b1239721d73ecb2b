"""Configuration files read into typed models, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import Node
from yaml.scanner import ScannerError

from actions.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)


# Deeper than any configuration needs. PyYAML's composer recurses once per level, so
# ``[[[[...`` would end in a RecursionError, and its scanner reads a flow collection's
# openings ahead in quadratic time (50,000 ``[`` took 55 s).
MAX_NESTING = 100


class _PlainLoader(yaml.SafeLoader):
    """YAML without aliases or deep nesting, whose unreadable values are YAML errors like any other.

    ``*name`` is refused, so a few lines cannot expand to gigabytes; so is nesting deeper than
    ``MAX_NESTING``, by the scanner (``[`` and ``{``) and by the composer. PyYAML's constructors
    raise ValueError or AttributeError on values its resolver let through (``2026-02-30``,
    ``!!float abc``, an int over Python's 4,300-digit limit, ``!!timestamp x``); they become
    ConstructorErrors at the value's line.
    """

    _depth = 0

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        if self.flow_level >= MAX_NESTING:
            raise ScannerError(None, None, f"nested deeper than {MAX_NESTING} levels", self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, "aliases (*name) are not allowed", event.start_mark)
        if self._depth >= MAX_NESTING:
            event = self.peek_event()
            raise ComposerError(None, None, f"nested deeper than {MAX_NESTING} levels", event.start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as error:
            raise ConstructorError(
                None, None, f"cannot read this value ({error})", node.start_mark
            ) from error


def load_plain_yaml(text: str) -> Any:
    """YAML text as data, refusing aliases; errors are ``yaml.YAMLError`` with their line."""
    return yaml.load(text, Loader=_PlainLoader)  # a SafeLoader: no Python objects either


def load_yaml_model(path: Path, model: type[ModelT], whole_file_field: str = "(file)") -> ModelT:
    """``path`` read as YAML into ``model``; a ``ConfigError`` names the file and the first bad field.

    ``whole_file_field`` names the field of an error that is about the file as a whole
    (a model validator's), which pydantic reports without a location.
    """
    try:
        data = load_plain_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot be read ({error})") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or whole_file_field
        raise ConfigError(f"{path}: field '{field}': {first['msg']}") from error
