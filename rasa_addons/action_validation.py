"""Validates action-server responses against Rasa's schema, compiled once and dispatched by event type.

Rasa 3.6 checks every action-server response with ``jsonschema.validate``, which
re-validates the (constant) schema against its meta-schema on every call. On a
2-core machine that was about a third of the Rasa server's CPU time under load
(py-spy, benchmarks/conversations). Building the validator once removed that; what
remained (5% of the Rasa server's time on simple turns, 2026-12-03) was the events'
``oneOf`` over Rasa's 27 event schemas: every event was checked against all of them.
Each of those schemas pins ``event`` to its own constant, so exactly one can match;
checking an event against that one is the same ``oneOf``. Same checks, same errors
as stock (the message of an unknown event type differs a little).
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


class _ResponseValidator:
    """The response's envelope, each event's common fields, then the one schema of its type."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._stock: Validator | None = None
        envelope = copy.deepcopy(schema)
        event_schema = envelope["properties"]["events"]["items"]
        branches = event_schema.get("oneOf") or []
        by_type = {b.get("properties", {}).get("event", {}).get("const"): b for b in branches}
        if None in by_type or len(by_type) != len(branches):
            # Not the schema this dispatch was written for: validate as stock Rasa does.
            self._stock = _compiled(schema)
            return
        common = {k: v for k, v in event_schema.items() if k != "oneOf"}
        envelope["properties"]["events"] = {"type": "array"}
        self._envelope = _compiled(envelope)
        self._common = _compiled(common)
        self._by_type = {name: _compiled(branch) for name, branch in by_type.items()}

    def validate(self, result: dict[str, Any]) -> None:
        if self._stock is not None:
            self._stock.validate(result)
            return
        self._envelope.validate(result)
        for event in result.get("events") or ():
            self._common.validate(event)
            own = self._by_type.get(event["event"])
            if own is None:
                raise ValidationError(f"{event!r} is not valid under any of the given schemas")
            own.validate(event)


def _compiled(schema: dict[str, Any]) -> Validator:
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


_validator: _ResponseValidator | None = None


def _response_validator() -> _ResponseValidator:
    global _validator
    if _validator is None:
        _validator = _ResponseValidator(RemoteAction.action_response_format_spec())
    return _validator


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result``."""
    try:
        _response_validator().validate(result)
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
