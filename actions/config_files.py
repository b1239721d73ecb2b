"""Configuration files read into typed models, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import ComposerError
from yaml.nodes import Node

from actions.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)


class _PlainLoader(yaml.SafeLoader):
    """YAML without aliases: ``*name`` is refused, so a few lines cannot expand to gigabytes."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


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
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot be read ({error})") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or whole_file_field
        raise ConfigError(f"{path}: field '{field}': {first['msg']}") from error
