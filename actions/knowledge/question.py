"""The customer's question, analysed once: what retrieval, coverage, the quote and the checks read of it.

``Question.of`` runs when an answer starts (``answering/answerer.py``); every step
after it reads these fields instead of tokenising the question again::

    question = Question.of("can I get my money back?")
    question.tokens             # ('money', 'back'): as asked, for the faithfulness checks
    question.own_words.text     # 'can I get a refund?': the help centre's words, for coverage and the quote
    question.searched.tokens    # ('refund',): the same on one line, what retrieval searches for
    question.specifics          # frozenset(): its prices, numbers, dates... (none here)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.knowledge.facts import specific_keys
from actions.knowledge.lexical import tokenize

# Customers' words for what the help centre calls otherwise: "send an order to Australia" asks
# whether we ship there, "my money back" is a refund. Applied to the query, never to the answer.
_EVERYDAY_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (
            r"\b(?:send|post|mail)\s+(?:an?\s+|my\s+|the\s+|your\s+)?"
            r"(?:orders?|parcels?|packages?|stuff|things|items?|it|them)\s+(?=to\s+(?!you\b|us\b))",
            "ship orders ",
        ),
        (r"\bmy money back\b|\bmoney back\b", "a refund"),
        (
            r"\bsend(?:ing)?\s+(?:it|them|this|that|something|stuff|things|items?|an? item)?\s*back\b",
            "return",
        ),
        (r"\bcharge (?:you |me |us )?for returns?\b", "pay for return shipping"),
        (r"\bpick(?:\s+it)?\s+up\b|\bcollect\b", "collect pick up"),
    )
)


def everyday_words(question: str) -> str:
    """The question with everyday phrasings put the help centre's way ("send it to" -> "ship to")."""
    for pattern, replacement in _EVERYDAY_WORDS:
        question = pattern.sub(replacement, question)
    return question


@dataclass(frozen=True)
class Query:
    """A text searched or quoted by, with its tokens (``lexical.tokenize``)."""

    text: str
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Query:
        """The text, tokenised."""
        return cls(text, tuple(tokenize(text)))

    def followed_by(self, other: Query) -> Query:
        """The two texts one after the other.

        A token never spans the space between them, so the tokens are the two texts' tokens.
        """
        return Query(f"{self.text} {other.text}", self.tokens + other.tokens)


@dataclass(frozen=True)
class Question:
    """One question of the customer's, as asked and as searched for."""

    # As asked: the prompt and the faithfulness checks read it.
    text: str
    tokens: tuple[str, ...]
    # Comparable keys of its prices, numbers, dates, e-mails... (``facts.specific_keys``).
    specifics: frozenset[str]
    # Its everyday phrasings put the help centre's way: what coverage checks and the quote picks by.
    own_words: Query
    # The same on one line: what retrieval searches for, alone or after the message it follows up on.
    searched: Query

    @classmethod
    def of(cls, text: str) -> Question:
        """The question analysed: its text tokenised once, and once more only where rewording changed it."""
        tokens = tuple(tokenize(text))
        reworded = everyday_words(text)
        own_words = Query(text, tokens) if reworded == text else Query.of(reworded)
        # A question over several lines is searched for on one; the quote and coverage read it as written.
        line = " ".join(text.split())
        searched = own_words if line == text else Query.of(everyday_words(line))
        return cls(text, tokens, specific_keys(text), own_words, searched)
