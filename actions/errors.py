"""Errors raised by the action server's services.

Hierarchy::

    AssistantError                 base: caught at the action edge, logged, answered
    ├── StoreUnavailable           Redis could not be reached or timed out
    ├── StoreDataError             data in Redis or in a store export is malformed
    │   └── StoreExportError       a row of a store export file failed validation
    ├── ModelUnavailable           a model artefact is missing or cannot be loaded
    ├── ConfigError                a configuration file is malformed (names the field)
    │   └── OfferRulesInvalid      offer rules failed validation (names each field path)
    ├── OfferRulesConflict         offer rules changed since the version an edit started from
    └── OfferRuleNotFound          no offer rule, or no rule-set version, with that id

Actions catch ``AssistantError``, log the traceback and answer with a fixed
``utter_*`` response; exception text never reaches a customer.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error our own code raises."""


class StoreUnavailable(AssistantError):
    """The store's data could not be read because Redis is down or slow."""


class StoreDataError(AssistantError):
    """Data read from Redis or from an export file does not match its model."""


class StoreExportError(StoreDataError):
    """A store export file is malformed; the message names file, row and field."""

    def __init__(self, file: str, row: int | str, field: str, reason: str) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.reason = reason
        super().__init__(f"{file}, row {row}, field '{field}': {reason}")


class ModelUnavailable(AssistantError):
    """A model artefact is missing or unreadable; the message says how to get it."""


class ConfigError(AssistantError):
    """A configuration file is malformed; the message names the file and the field."""


class OfferRulesInvalid(ConfigError):
    """Offer rules failed validation; ``problems`` holds one "field.path: reason" per problem."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f" ({source})" if source else ""
        super().__init__(f"invalid offer rules{where}:\n" + "\n".join(f"  {problem}" for problem in problems))


class OfferRulesConflict(AssistantError):
    """Someone saved the offer rules after the version this edit started from; nothing was saved."""

    def __init__(self, expected: int, actual: int) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"offer rules changed: the edit started from version {expected} but version {actual} "
            "is now current; reload and apply the edit again"
        )


class OfferRuleNotFound(AssistantError):
    """No offer rule with that id in the current rule set, or no saved version with that number."""
