"""Console users: roles, the public ``User`` and the stored record with its password hash."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from web.accounts.errors import AccountInvalid

Role = Literal["agent", "marketer", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,40}")
USERNAME_RULE = "must be 3-40 characters: lowercase letters, digits, '.', '_' or '-'"
DISPLAY_NAME_MAX = 80
PASSWORD_MIN = 10
# Long enough for any passphrase; bounds the work a sign-in attempt can ask for.
PASSWORD_MAX = 1024
# Tabs, newlines and other control characters have no place in a name shown on screen.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class User(BaseModel):
    """A console user as the rest of the web app sees it (no secrets)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str
    display_name: str
    role: Role

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME_PATTERN.fullmatch(value):
            raise ValueError(USERNAME_RULE)
        return value

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > DISPLAY_NAME_MAX:
            raise ValueError(f"must be at most {DISPLAY_NAME_MAX} characters")
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value


class StoredUser(User):
    """A user as kept in Redis under ``keys.web_user(username)``."""

    password_hash: str
    created_at: datetime
    # Sessions remember this; a password change ends every older session.
    password_changed_at: datetime
    # May create, edit and delete the team's canned replies (admins always may): web/agent/canned.py.
    can_manage_canned: bool = False

    def public(self) -> User:
        """Return the user without the hash and dates."""
        return User(username=self.username, display_name=self.display_name, role=self.role)


def new_user(username: str, display_name: str, role: str) -> User:
    """Validate a new user's fields.

    Raises:
        AccountInvalid: naming each field that is wrong and why.

    """
    try:
        return User.model_validate({"username": username, "display_name": display_name, "role": role})
    except ValidationError as error:
        raise AccountInvalid(problems_of(error)) from error


def check_username(username: str) -> str:
    """Return ``username`` if it is well formed; raise AccountInvalid naming the field otherwise."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountInvalid([f"username: {USERNAME_RULE}"])
    return username


def check_password(password: str) -> str:
    """Return ``password`` if it is acceptable; raise AccountInvalid naming the field otherwise."""
    if len(password) < PASSWORD_MIN:
        raise AccountInvalid([f"password: must be at least {PASSWORD_MIN} characters"])
    if len(password) > PASSWORD_MAX:
        raise AccountInvalid([f"password: must be at most {PASSWORD_MAX} characters"])
    return password


def problems_of(error: ValidationError) -> list[str]:
    """One "field: reason" line per problem, in our words."""
    problems = []
    for detail in error.errors():
        field = ".".join(str(part) for part in detail["loc"]) or "user"
        kind = detail["type"]
        if kind == "missing":
            reason = "is required"
        elif kind == "literal_error":
            reason = "must be one of " + ", ".join(ROLES)
        elif kind == "string_type":
            reason = "must be text"
        else:
            reason = str(detail["msg"]).removeprefix("Value error, ")
        problems.append(f"{field}: {reason}")
    return problems
