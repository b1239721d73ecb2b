"""What the topics job stores and the console reads: validated JSON on the way in and out of Redis."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

_STORED = ConfigDict(extra="forbid")


def day_of(timestamp: float) -> str:
    """The UTC calendar day (``YYYY-MM-DD``) of a Unix timestamp: topics count days in UTC."""
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


class TopicExample(BaseModel):
    """One of a topic's most central messages, masked, with the conversation it came from."""

    model_config = _STORED

    text: str
    conversation_id: str
    timestamp: float
    similarity: float = Field(ge=-1.0, le=1.0)


class Topic(BaseModel):
    """A topic as the job last wrote it. The marketer's name and merges live apart (``overrides``)."""

    model_config = _STORED

    id: str = Field(pattern=r"^t-\d+$")
    name: str
    words: list[str] = Field(default_factory=list)
    examples: list[TopicExample] = Field(default_factory=list)
    size: int = Field(ge=0)
    terms: dict[str, int] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    first_day: str
    last_day: str
    # The newest questions of the topic the assistant answered "not sure" or only in part (masked),
    # newest first: the knowledge-gaps page (``actions/insights/measures.py``).
    gaps: list[TopicExample] = Field(default_factory=list)


class WaitingGaps(BaseModel):
    """Unanswered questions among the messages no topic took yet: how many, and the newest (masked).

    A question asked once or twice makes no topic, yet support may still want its article.
    """

    model_config = _STORED

    unknown: int = Field(default=0, ge=0)
    partial: int = Field(default=0, ge=0)
    newest: list[TopicExample] = Field(default_factory=list)

    @property
    def unanswered(self) -> int:
        """Questions answered "not sure" or only in part."""
        return self.unknown + self.partial


class PendingMessage(BaseModel):
    """A message no topic took yet: masked text and its embedding, offered to the next runs."""

    model_config = _STORED

    key: str
    conversation_id: str
    text: str
    timestamp: float
    vector: str  # base64 of float32 bytes
    # Carried until the message joins a topic, so its measures are counted then.
    message_id: str | None = None
    answer_kind: str | None = None

    @classmethod
    def of(
        cls,
        key: str,
        conversation_id: str,
        text: str,
        timestamp: float,
        vector: np.ndarray,
        message_id: str | None = None,
        answer_kind: str | None = None,
    ) -> PendingMessage:
        """A pending message holding ``vector`` as base64 float32."""
        raw = np.asarray(vector, dtype=np.float32).tobytes()
        encoded = base64.b64encode(raw).decode("ascii")
        return cls(
            key=key,
            conversation_id=conversation_id,
            text=text,
            timestamp=timestamp,
            vector=encoded,
            message_id=message_id,
            answer_kind=answer_kind,
        )

    def embedding(self) -> np.ndarray:
        """The stored embedding as float32."""
        return np.frombuffer(base64.b64decode(self.vector), dtype=np.float32)


class EmergingFlag(BaseModel):
    """A topic flagged as emerging on a day, with the evidence (``actions/insights/emerging.py``)."""

    model_config = _STORED

    topic_id: str
    day: str
    measure: str  # "messages": the topic's share of all messages; "upset": upset customers' share
    count: int
    exposure: int
    expected: float
    baseline_count: int
    baseline_exposure: int
    baseline_days: int
    ratio: float
    p_value: float
