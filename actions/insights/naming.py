"""Topic names from their distinctive words: class-based TF-IDF, as BERTopic computes it.

All of a topic's messages form one document; a word's weight in topic ``c`` is

    W(t, c) = tf(t, c) * log(1 + A / f(t))

where ``tf(t, c)`` is how often ``t`` occurs in the topic's messages, ``f(t)`` how often it
occurs across all topics and ``A`` the average number of words per topic. A word
frequent in one topic and rare elsewhere ("carrier", "late") outweighs one that every
topic uses ("order", "help"). The topics job keeps each topic's word counts (``Topic.terms``)
and adds each run's messages to them, so names are computed over everything a topic has
seen, not only the latest run. Words come from masked text: a customer's name is never a
topic word.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from actions.insights.masking import LABELS

# Words of every customer-service conversation that name no subject.
SERVICE_STOP_WORDS = frozenset(
    "hi hello hey thanks thank please pls ok okay yes yeah sorry want need know like just "
    "help hey im ive id dont cant wont doesnt didnt isnt got get able tell let does did".split()
)
STOP_WORDS = ENGLISH_STOP_WORDS | SERVICE_STOP_WORDS
NAME_WORDS = 3
# Word counts kept per topic (the rest are too rare to name it).
TERMS_KEPT = 300
_TOKEN = re.compile(r"[a-z][a-z0-9'’-]*[a-z0-9]|[a-z]")
_LABEL = re.compile("|".join(re.escape(label) for label in LABELS))


def words(text: str) -> list[str]:
    """The content words of a (masked) message: lower case, without stop words or mask labels."""
    cleaned = _LABEL.sub(" ", text.lower()).replace("’", "'")
    tokens = (token.replace("'", "") for token in _TOKEN.findall(cleaned))
    return [token for token in tokens if len(token) > 1 and token not in STOP_WORDS]


def term_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each content word occurs in ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(words(text))
    return counts


def merge_terms(old: Mapping[str, int], new: Mapping[str, int], keep: int = TERMS_KEPT) -> dict[str, int]:
    """``old`` plus ``new``, the ``keep`` most frequent words only (ties broken alphabetically)."""
    total = Counter(old)
    total.update(new)
    ranked = sorted(total.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:keep])


def c_tf_idf(terms_by_topic: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, float]]:
    """W(t, c) for every topic and word (see the module docstring)."""
    across: Counter[str] = Counter()
    for terms in terms_by_topic.values():
        across.update(terms)
    if not terms_by_topic:
        return {}
    average_words = sum(across.values()) / len(terms_by_topic)
    return {
        topic: {term: count * math.log(1 + average_words / across[term]) for term, count in terms.items()}
        for topic, terms in terms_by_topic.items()
    }


@dataclass(frozen=True)
class TopicWords:
    """A topic's most distinctive words, best first, and the name made of them."""

    words: list[str]
    name: str


def distinctive_words(
    terms_by_topic: Mapping[str, Mapping[str, int]], top: int = 8, name_words: int = NAME_WORDS
) -> dict[str, TopicWords]:
    """Each topic's ``top`` words by c-TF-IDF and a name of its first ``name_words``: "refund · card"."""
    weights = c_tf_idf(terms_by_topic)
    named: dict[str, TopicWords] = {}
    for topic, scores in weights.items():
        best = [term for term, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:top]]
        named[topic] = TopicWords(best, " · ".join(best[:name_words]) or "(no words)")
    return named


def most_central(similarities: Sequence[float], count: int) -> list[int]:
    """Indices of the ``count`` highest similarities to the topic's centroid, best first."""
    order = sorted(range(len(similarities)), key=lambda index: -similarities[index])
    return order[:count]
