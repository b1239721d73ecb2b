"""The generator interface every backend implements.

Callers build a ``GenerationRequest`` (chat messages, a token budget, a deadline)
and await ``Generator.generate``. A backend either returns a ``Generation`` or
raises ``GenerationFailed`` (``GenerationTimedOut`` when the deadline passed);
callers then fall back to an extractive answer, so a slow or dead model never
leaves a customer without a reply.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Generation:
    """A finished generation."""

    text: str
    backend: str
    new_tokens: int | None
    seconds: float


class GenerationFailed(AssistantError):
    """The backend could not produce text (server error, bad response, model crash)."""


class GenerationTimedOut(GenerationFailed):
    """The deadline passed before the backend finished."""


class Generator(Protocol):
    """A text generator; implementations must be safe to call from one event loop concurrently."""

    name: str

    async def generate(self, request: GenerationRequest) -> Generation:
        """Generate a reply to ``request.messages`` within ``request.deadline_s``."""
        ...
