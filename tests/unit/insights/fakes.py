"""A word-hashing encoder and messages about a few subjects, for tests of the topics code without a model."""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Sequence

import numpy as np
from redis import Redis

from actions.insights.naming import words
from actions.keys import Keys

DIMENSION = 384

# Each subject's messages share its three words and add one of their own: cosine about 0.75
# within a subject, about 0 across subjects, like well-separated customer topics.
SUBJECTS = {
    "late": ["parcel", "late", "carrier"],
    "refund": ["refund", "money", "returned"],
    "password": ["password", "reset", "login"],
    "sizes": ["size", "chart", "fits"],
}
FILLERS = ["today", "again", "week", "really", "still", "yesterday", "now", "urgent", "asap", "monday"]


class WordHashEncoder:
    """The mean of random word vectors (seeded by each word), unit length; counts the texts it encodes.

    Messages sharing most of their words are close (about 0.75 for three words of four), others
    near orthogonal, as sentence embeddings of the same and of different subjects are.
    """

    name = "word-hash"

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        self.encoded += len(texts)
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text) or [text.lower()]:
                out[row] += np.random.default_rng(zlib.crc32(word.encode())).normal(size=DIMENSION)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def subject_messages(subject: str, count: int, seed: int = 1) -> list[str]:
    """``count`` messages about ``subject``, each with one filler word."""
    rng = random.Random(f"{subject}-{seed}")
    core = SUBJECTS[subject]
    return [" ".join([*core, rng.choice(FILLERS)]) for _ in range(count)]


def user_event(sender: str, text: str, timestamp: float, intent: str = "shipping_question") -> dict[str, str]:
    """A stream entry as the event broker writes it for a customer message."""
    event = {
        "sender_id": sender,
        "event": "user",
        "timestamp": timestamp,
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []},
        "metadata": {},
    }
    return {"sender_id": sender, "type": "user", "event": json.dumps(event)}


def append_messages(redis: Redis, keys: Keys, texts: Sequence[str], start: float, sender: str = "c") -> None:
    """Append ``texts`` as customer messages, one conversation each, a minute apart from ``start``."""
    for n, text in enumerate(texts):
        redis.xadd(keys.events, user_event(f"{sender}-{n}", text, start + 60 * n))
