"""The generator interface every backend implements.

Callers build a ``GenerationRequest`` (chat messages, a token budget, a deadline)
and await ``Generator.generate``. A backend either returns a ``Generation`` or
raises ``GenerationFailed`` (``GenerationTimedOut`` when the deadline passed);
callers then fall back to an extractive answer, so a slow or dead model never
leaves a customer without a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

from actions.errors import AssistantError

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat prompt."""

    role: Role
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate, and how long the caller can wait for it."""

    messages: tuple[ChatMessage, ...]
    max_new_tokens: int = 60
    temperature: float = 0.0
    deadline_s: float = 4.0
    # Stop once the reply holds this many complete sentences (None: only the token budget). A small
    # model asked for one or two sentences often rambles on to the budget; every token costs time.
    # In-process backends stop there; a server is asked for the whole reply, which the caller trims.
    max_sentences: int | None = None
    # False: an in-process model already busy with another request fails at once (``GeneratorBusy``)
    # instead of queueing, so the caller can answer another way. A server does its own queueing.
    wait_if_busy: bool = True


@dataclass(frozen=True)
class Generation:
    """A finished generation."""

    text: str
    backend: str
    new_tokens: int | None
    seconds: float
    # The prompt's length in tokens, when the backend reports it (for the token metrics).
    prompt_tokens: int | None = None


# A sentence ends at ., ! or ? (after an optional closing quote or bracket) followed by white space,
# so "$24.99" does not end one. A streamed sentence counts once the next token has begun.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*(?=\s)")


def has_enough_sentences(text: str, wanted: int | None) -> bool:
    """Whether ``text`` holds ``wanted`` complete sentences, or a paragraph break.

    A reply is one paragraph, so a paragraph break ends it.
    """
    if wanted is None:
        return False
    return len(_SENTENCE_END.findall(text)) >= wanted or "\n\n" in text.strip()


# The generation branch of the tree drawn in actions/errors.py.
class GenerationFailed(AssistantError):
    """The backend could not produce text (server error, bad response, model crash)."""


class GenerationTimedOut(GenerationFailed):
    """The deadline passed before the backend finished."""


class GeneratorBusy(GenerationFailed):
    """The model was generating for another request, and the caller chose not to wait."""


class Generator(Protocol):
    """A text generator; implementations must be safe to call from one event loop concurrently."""

    name: str

    async def generate(self, request: GenerationRequest) -> Generation:
        """Generate a reply to ``request.messages`` within ``request.deadline_s``."""
        ...
