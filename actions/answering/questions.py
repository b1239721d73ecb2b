"""Splits a message that asks several things into its questions.

"do you ship to Canada and how much does it cost?"
    -> ["do you ship to Canada?", "how much does it cost?"]
"looking for a dog bed, and how long does delivery take?"
    -> ["looking for a dog bed", "how long does delivery take?"]

A part is cut off only where a new question clearly starts: after a question mark,
or at "and"/"also"/"plus"/a comma followed by a question word. "black and white" or
"return and refund policy" stay whole.
"""

from __future__ import annotations

import re

MAX_PARTS = 3
_QUESTION_START = (
    r"(?:how|what|what's|whats|when|where|which|who|why|do|does|did|can|could|is|are|will|would|should|"
    r"have|has|any|is there|are there)"
)
_BOUNDARY = re.compile(
    rf"(?<=[?!])\s+(?=\w)"
    rf"|\s*(?:,\s*|;\s*|\s)(?:and|also|plus|oh and|and also|btw|by the way)\s*,?\s+(?={_QUESTION_START}\b)"
    rf"|,\s+(?=(?:how|what|what's|whats|when|where|which|who|why|do|does|did|can|could|is|are|will|would)\s+\w+\s+\w+)",
    re.IGNORECASE,
)
MIN_PART_WORDS = 3
# A part asks something when it is a question, or a request ("looking for a dog bed").
_ASKS = re.compile(
    rf"\?|(?:^|[.!?:;]\s*)\W*(?:hi\W+|hey\W+|and\s+|also\s+|oh\s+and\s+|so\s+)?{_QUESTION_START}\b"
    r"|\b(?:looking for|searching for|show me|i need|i want|i'?m after|recommend|suggest|tell me)\b",
    re.IGNORECASE,
)


def _asks(part: str) -> bool:
    return bool(_ASKS.search(part))


def split_questions(text: str) -> list[str]:
    """The message's questions, in order; one part when it asks one thing."""
    text = " ".join(text.split())
    parts = [p.strip(" ,;") for p in _BOUNDARY.split(text) if p and p.strip(" ,;")]
    merged: list[str] = []
    for part in parts:
        # A fragment too short to stand alone ("thanks!"), or one that asks nothing ("thinking of
        # buying one"), stays with its neighbour.
        if merged and (
            len(part.split()) < MIN_PART_WORDS or len(merged[-1].split()) < MIN_PART_WORDS or not _asks(part)
        ):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    # A first part that asks nothing ("oh wait, it's going to Toronto instead,") belongs to what follows.
    if len(merged) > 1 and not _asks(merged[0]):
        merged[:2] = [f"{merged[0]} {merged[1]}"]
    if len(merged) > MAX_PARTS:
        merged = [*merged[: MAX_PARTS - 1], " ".join(merged[MAX_PARTS - 1 :])]
    return merged


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
MIN_FOCUS_WORDS = 4
_POINTS_BACK = re.compile(r"\b(it|its|that|this|them|they|those|these|there)\b", re.IGNORECASE)


def question_focus(text: str) -> str:
    """The sentences that ask, when a message also tells a story around them.

    "hi, can you send an order to australia? my sister lives in melbourne and ..." is
    asked about Australia, not about Melbourne or birthdays. A message with no
    question mark, or whose questions are too short to stand alone ("why?"), stays whole.
    """
    sentences = [s for s in _SENTENCE.split(" ".join(text.split())) if s]
    asked = [s for s in sentences if s.endswith("?")]
    if len(sentences) < 2 or not asked or sum(len(s.split()) for s in asked) < MIN_FOCUS_WORDS:
        return text
    if any(_POINTS_BACK.search(s) for s in asked):
        return text  # "can I still change it?" needs the sentence that says what "it" is
    return " ".join(asked)
