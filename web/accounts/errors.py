"""Errors raised by console accounts.

Hierarchy (under the project's ``actions.errors.AssistantError``)::

    AccountError              base of every accounts error
    ├── AccountInvalid        a username, display name, role or password failed validation
    ├── UserExists            create-user named a username that is taken
    └── UserNotFound          no console user with that username

Redis failures are ``actions.errors.StoreUnavailable`` and malformed stored data
``actions.errors.StoreDataError``, as everywhere else.
"""

from __future__ import annotations

from actions.errors import AssistantError


class AccountError(AssistantError):
    """Base class of the accounts errors."""


class AccountInvalid(AccountError):
    """Input failed validation; ``problems`` holds one "field: reason" per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class UserExists(AccountError):
    """A console user with that username already exists."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"username: '{username}' is already taken")


class UserNotFound(AccountError):
    """No console user with that username."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"username: no console user '{username}'")
