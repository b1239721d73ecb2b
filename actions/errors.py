"""The project's errors: one tree under ``AssistantError``, shared by the action server, web app and tools.

Hierarchy (classes defined in another module name it)::

    AssistantError                 base: caught at the action edge, logged, answered
    ├── StoreUnavailable           Redis could not be reached or timed out (actions.redis_edge)
    ├── StoreDataError             data in Redis or in a store export is malformed
    │   └── StoreExportError       a row of a store export file failed validation
    ├── ModelUnavailable           a model artefact is missing or cannot be loaded
    ├── ConfigError                a configuration file is malformed (names the field)
    │   └── OfferRulesInvalid      offer rules failed validation (names each field path)
    ├── OfferRulesConflict         offer rules changed since the version an edit started from
    ├── OfferRuleNotFound          no offer rule, or no rule-set version, with that id
    ├── TopicNotFound              no topic with that id (actions/insights/overrides.py)
    ├── TopicChangeRefused         a rename or merge that is not allowed, with the reason
    ├── TopicsRunBusy              another topics run holds the lock (actions/insights/store.py)
    ├── GenerationFailed           a generator produced no text (actions/generation/base.py)
    │   ├── GenerationTimedOut     the deadline passed before the backend finished
    │   └── GeneratorBusy          the model was busy and the caller chose not to wait
    ├── AccountError               console accounts (web/accounts/errors.py)
    │   ├── AccountInvalid         a username, display name, role or password failed validation
    │   ├── UserExists             create-user named a username that is taken
    │   └── UserNotFound           no console user with that username
    ├── WebSetupError              the web app cannot start: a local setup step is missing (web/errors.py)
    ├── RasaUnavailable            Rasa's HTTP API did not answer or refused (web/agent/rasa_api.py)
    ├── RequestInvalid             a console request is malformed: HTTP 400 (web/marketing/responses.py)
    │   └── FieldInvalid           one form field is wrong, named (web/privacy/forms.py)
    └── BodyTooLarge               a form body is over the limit (web/accounts/csrf.py)

``ConfigError`` also has ``ProductionRefused`` (actions/deployment.py): production
configured with a demo secret or switch; it is a ``ValueError`` too, as is
``RequestInvalid``, so that validators report them as a field's error.

Actions catch ``AssistantError``, log the traceback and answer with a fixed
``utter_*`` response; exception text never reaches a customer. The web app and
the tools in ``jobs/`` catch it at their own edges (an HTTP status, an exit status).
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error our own code raises (the module docstring draws the tree)."""


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


class TopicNotFound(AssistantError):
    """No topic with that id."""


class TopicChangeRefused(AssistantError):
    """A marketer's rename or merge was refused; the message says why (an empty name, a merge loop)."""


class TopicsRunBusy(AssistantError):
    """Another topics run holds the lock; this one did nothing."""
