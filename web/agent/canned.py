"""Canned replies: the support team's shared wording, with variables filled from the conversation.

A canned reply has a shortcut (typed as ``/shortcut`` in the reply box), a title and a
text in which ``{first_name}``, ``{order_id}``, ``{agent_name}`` and ``{store_name}``
stand for what this conversation knows. Variables are checked when a reply is saved, so
that a typo (``{frist_name}``) is refused naming the field, not sent to a customer. At
insert time a value the conversation does not have is left in the text as ``{name}``,
visibly, for the agent to fill; the reply route refuses a text that still holds one, so a
customer never reads a blank or a placeholder.

Who may manage them: admins, and agents whose account carries ``can_manage_canned``
(``python -m jobs.accounts canned-manager USERNAME --allow``). Every agent may use them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from pydantic import BaseModel, Field, ValidationError, field_validator
from redis.asyncio import Redis

from actions.errors import AssistantError
from actions.keys import Keys
from actions.redis_edge import parse_stored, store_call

# Variable name -> what fills it, as shown to whoever writes a canned reply.
VARIABLES: dict[str, str] = {
    "first_name": "the signed-in customer's first name",
    "order_id": "the order number the customer gave",
    "agent_name": "your name as customers see it",
    "store_name": "the store's name",
}
SHORTCUT_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{1,29}")
SHORTCUT_RULE = (
    "must be 2-30 characters: lowercase letters, digits, '_' or '-', starting with a letter or digit"
)
TITLE_MAX = 80
TEXT_MAX = 2000
# Anything in braces is meant as a variable: ``{first name}`` is refused, not sent as it is.
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class CannedInvalid(AssistantError):
    """A canned reply failed validation; ``problems`` holds one "field: reason" per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class CannedReply(BaseModel):
    """One canned reply as stored in ``keys.canned_replies``."""

    shortcut: str
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    updated_by: str
    updated_at: float = Field(default_factory=time.time)

    @field_validator("shortcut")
    @classmethod
    def _shortcut(cls, value: str) -> str:
        if not SHORTCUT_PATTERN.fullmatch(value):
            raise ValueError(SHORTCUT_RULE)
        return value

    @field_validator("title", "text")
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is required")
        return value.strip()

    @field_validator("text")
    @classmethod
    def _known_variables(cls, value: str) -> str:
        unknown = [name for name in _PLACEHOLDER.findall(value) if name not in VARIABLES]
        if unknown:
            names = ", ".join("{" + name + "}" for name in dict.fromkeys(unknown))
            known = ", ".join("{" + name + "}" for name in VARIABLES)
            raise ValueError(f"unknown variable {names}; the variables are {known}")
        return value


class Filled(BaseModel):
    """A canned reply's text for one conversation, and the variables it could not fill."""

    shortcut: str
    text: str
    missing: list[str]


def new_reply(shortcut: str, title: str, body: str, author: str) -> CannedReply:
    """Validate a canned reply's fields.

    Raises:
        CannedInvalid: naming each field that is wrong and why.

    """
    try:
        return CannedReply.model_validate(
            {"shortcut": shortcut.strip(), "title": title, "text": body, "updated_by": author}
        )
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            field = ".".join(str(part) for part in detail["loc"]) or "reply"
            reason = "is required" if detail["type"] in ("missing", "string_too_short") else None
            problems.append(f"{field}: {reason or str(detail['msg']).removeprefix('Value error, ')}")
        raise CannedInvalid(problems) from error


def fill(reply: CannedReply, values: Mapping[str, str | None]) -> Filled:
    """The reply's text with each variable that has a value replaced; the others stay as ``{name}``."""
    missing: list[str] = []

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        value = (values.get(name) or "").strip()
        if not value:
            if name not in missing:
                missing.append(name)
            return match.group(0)
        return value

    return Filled(shortcut=reply.shortcut, text=_PLACEHOLDER.sub(value_of, reply.text), missing=missing)


def unfilled(message: str) -> list[str]:
    """The canned-reply variables still left as ``{name}`` in an agent's message."""
    return list(dict.fromkeys(name for name in _PLACEHOLDER.findall(message) if name in VARIABLES))


class CannedStore:
    """Lists, saves and deletes the team's canned replies (one Redis hash, shortcut -> JSON)."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def all(self) -> list[CannedReply]:
        """Every canned reply, by shortcut."""
        key = self._keys.canned_replies
        with store_call("read the canned replies"):
            raw = await self._redis.hgetall(key)
        replies = [parse_stored(CannedReply, value, key) for value in raw.values()]
        return sorted(replies, key=lambda reply: reply.shortcut)

    async def get(self, shortcut: str) -> CannedReply | None:
        """One canned reply, or None."""
        key = self._keys.canned_replies
        with store_call("read a canned reply"):
            raw = await self._redis.hget(key, shortcut)
        return parse_stored(CannedReply, raw, key) if raw is not None else None

    async def save(self, reply: CannedReply, *, replaces: str | None = None) -> None:
        """Store ``reply``: a new one, or in place of ``replaces`` (its shortcut before this edit).

        The hash never expires (``CANNED_REPLIES_TTL_S``).

        Raises:
            CannedInvalid: a new reply (or a rename) takes a shortcut another reply has.

        """
        key = self._keys.canned_replies
        renamed = replaces is not None and replaces != reply.shortcut
        if replaces is None or renamed:
            with store_call("save a canned reply"):
                created = await self._redis.hsetnx(key, reply.shortcut, reply.model_dump_json())
            if not created:
                raise CannedInvalid([f"shortcut: /{reply.shortcut} is already taken"])
            if renamed:
                with store_call("rename a canned reply"):
                    await self._redis.hdel(key, str(replaces))
            return
        with store_call("save a canned reply"):
            await self._redis.hset(key, reply.shortcut, reply.model_dump_json())

    async def delete(self, shortcut: str) -> bool:
        """Remove a canned reply; False when there was none."""
        with store_call("delete a canned reply"):
            return bool(await self._redis.hdel(self._keys.canned_replies, shortcut))
