"""Configuration files read into typed models, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from actions.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_yaml_model(path: Path, model: type[ModelT], whole_file_field: str = "(file)") -> ModelT:
    """``path`` read as YAML into ``model``; a ``ConfigError`` names the file and the first bad field.

    ``whole_file_field`` names the field of an error that is about the file as a whole
    (a model validator's), which pydantic reports without a location.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot be read ({error})") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or whole_file_field
        raise ConfigError(f"{path}: field '{field}': {first['msg']}") from error
