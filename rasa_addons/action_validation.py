"""Validates action-server responses against Rasa's schema, compiled once per process.

Rasa 3.6 checks every action-server response with ``jsonschema.validate``, which
re-validates the (constant) schema against its meta-schema on every call. On a
2-core machine that was about a third of the Rasa server's CPU time under load
(py-spy, benchmarks/conversations). Same schema, same checks, same errors; the
validator is just built once.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_validator: Validator | None = None


def _compiled_validator() -> Validator:
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        validator_class = validator_for(schema)
        validator_class.check_schema(schema)
        _validator = validator_class(schema)
    return _validator


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result``."""
    try:
        _compiled_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error


def install() -> None:
    """Make Rasa's remote actions use the compiled validator."""
    RemoteAction._validate_action_result = validate_action_result
