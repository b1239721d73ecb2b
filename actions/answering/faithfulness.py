"""Whether a generated reply is a faithful rendering of its evidence.

The grounding guard catches facts, products and promises the context lacks. A
small model grounded in the right passage also writes fluent sentences that
carry none of them and are still wrong: "click the Cancel button" where the
article says to open My orders, "2 players" for "2-6 players", "yes" where the
passage says "no", or one apology repeated until the token budget runs out.
So a reply must also:
- keep every specific fact (number, price, date, e-mail...) of the sentence
  that best answers the question, and agree with it on negation;
- say mostly what that sentence says (recall of its content words, when it has
  no specifics to keep);
- say little the evidence and the question do not (precision of its content
  words: a made-up procedure is made of words the article never uses);
- say each thing the way one sentence of the evidence says it: "we only sell your
  data to companies that help us deliver" is made of the evidence's words, taken
  from "we never sell your data" and "we share it with companies that help us
  deliver";
- name only buttons and menus the evidence names ("click the "Cancel" button"
  is how a small model makes up a procedure), and answer a how-to question with
  most of those the evidence names: a procedure without them cannot be followed;
- answer an availability question with the availability the evidence states;
- not repeat itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from actions.answering.guard import STOCK_CLAIM, GuardVerdict, Violation
from actions.knowledge.facts import specific_keys
from actions.knowledge.lexical import FUNCTION_WORDS, tokenize
from actions.knowledge.question import Question

_NEGATION = re.compile(r"\b(?:not|no|never|cannot|unable)\b|n't\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_ASKS_AVAILABILITY = re.compile(
    r"\b(?:in stock|stock|available|availability|sold out|have (?:it|them|one|any)|right now"
    r"|get (?:it|one) now)\b",
    re.IGNORECASE,
)
STEM = 4
# The reply must carry at least this share of the best sentence's content words...
MIN_RECALL = 0.5
# ...and at most this share of its own content words may come from neither the evidence nor the question.
MAX_UNSUPPORTED_SHARE = 0.25
# Each sentence of the reply must find this share of its content words in a single sentence of the evidence.
# The question's words do not count here: echoing them is how a wrong sentence borrows credibility.
MIN_SENTENCE_SUPPORT = 0.75
# Fewer content words than this are too few to measure a share of: a reply sentence such as
# "Yes, you can." needs no single source, a best sentence with one word left to render sets no recall.
MIN_CONTENT_WORDS = 3
# A quoted interface label: "My orders", "Return items" (straight or curly quotes, up to four words).
_LABEL = re.compile(r"[\"“]([A-Z][^\"”]{0,40}?)[\"”]")
# A how-to reply must name at least this share of the labels the evidence names.
MIN_LABEL_SHARE = 0.5
_HOW_TO = re.compile(r"^\W*(?:how\s+(?:do|can|should|would|to)\b|where\s+(?:do|can)\s+i\b)", re.IGNORECASE)
# Words of courtesy and tone, which any reply may use without evidence.
COURTESY_WORDS = frozenset(
    """sorry apologise apologize apology apologies hear happy glad understand understandable frustrating
    frustration inconvenience confusion trouble worry worried concern help helping assist certainly sure
    course yes yeah great thank thanks welcome hope question questions customer let know simply""".split()
)


# Numbers written out are numbers: "two charges" says nothing the question's "2 charges" did not.
NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten once twice".split())


def _content_stems(text: str) -> list[str]:
    return _stems_of(tokenize(text))


def _stems_of(tokens: Iterable[str]) -> list[str]:
    """The stems of the tokens that carry content (not courtesy, not numbers)."""
    stems = []
    for token in tokens:
        if token in FUNCTION_WORDS or token in COURTESY_WORDS or token.isdigit() or token in NUMBER_WORDS:
            continue
        stems.append(token[:STEM])
    return stems


def _labels(text: str) -> set[str]:
    return {m.group(1).strip(" .,").lower() for m in _LABEL.finditer(text) if len(m.group(1).split()) <= 4}


def check_faithfulness(reply: str, best_sentence: str, evidence: str, question: Question) -> GuardVerdict:
    """Violations of ``reply`` against the best sentence and the evidence it was written from."""
    needed = specific_keys(best_sentence)
    # The question's content words, once for every check that compares with them.
    asked = set(_stems_of(question.tokens))
    return GuardVerdict(
        (
            *_specifics(reply, best_sentence, needed),
            *([] if needed else _recall(reply, best_sentence, asked)),
            *precision(reply, evidence, asked),
            *_single_source(reply, evidence),
            *_labels_named(reply, evidence, question.text),
            *_availability(reply, evidence, question.text),
            *repetition(reply),
            *_echo(reply, asked, question.specifics),
            *_off_question(reply, asked),
        )
    )


def _off_question(reply: str, asked: set[str]) -> list[Violation]:
    """A reply that shares no word with the question and states no specific fact answers something else.

    "We do not sell your personal data." to "so who actually gets my address?" (after a question
    about selling data) is true and fluent, and not an answer.
    """
    said = set(_content_stems(reply))
    if not asked or not said or said & asked or specific_keys(reply):
        return []
    return [Violation("unfaithful", "does not address the question")]


def _echo(reply: str, asked: set[str], asked_specifics: frozenset[str]) -> list[Violation]:
    """A reply made only of the question's own words answers nothing.

    For example "The two charges are for the same order.", to a question about those charges.
    """
    said = set(_content_stems(reply))
    if not said or said - asked or specific_keys(reply) - asked_specifics:
        return []
    return [Violation("unfaithful", "only repeats the question")]


def _specifics(reply: str, best_sentence: str, needed: frozenset[str]) -> list[Violation]:
    given = specific_keys(reply)
    violations = []
    if needed - given:
        violations.append(Violation("missing_specifics", ", ".join(sorted(needed - given))))
    if negation_differs(reply, best_sentence):
        violations.append(Violation("missing_specifics", "negation differs from the evidence"))
    return violations


def negation_differs(reply: str, evidence: str) -> bool:
    """One says "not" (no, never, n't...) and the other does not (shared with the offer-copy checks)."""
    return bool(_NEGATION.search(evidence)) != bool(_NEGATION.search(reply))


def _recall(reply: str, best_sentence: str, asked: set[str]) -> list[Violation]:
    # Words the question already holds need not be repeated. Not asked of a sentence whose substance
    # is its specifics ("within 30 days"): it is rendered when they are all kept (``_specifics``).
    wanted = set(_content_stems(best_sentence)) - asked
    if len(wanted) < MIN_CONTENT_WORDS:
        return []
    recall = len(wanted & set(_content_stems(reply))) / len(wanted)
    return (
        [Violation("unfaithful", f"keeps {recall:.0%} of the best sentence's words")]
        if recall < MIN_RECALL
        else []
    )


def content_stems(text: str) -> list[str]:
    """The stems of the words of ``text`` that carry content (shared with the offer-copy checks)."""
    return _content_stems(text)


def precision(
    reply: str, evidence: str, asked: set[str], max_share: float = MAX_UNSUPPORTED_SHARE
) -> list[Violation]:
    """Too many content words that neither the evidence nor ``asked`` (stems said to be free) holds."""
    stems = _content_stems(reply)
    known = set(_content_stems(evidence)) | asked
    unknown = [s for s in stems if s not in known]
    if stems and len(unknown) / len(stems) > max_share:
        lacking = ", ".join(sorted(set(unknown))[:6])
        return [Violation("unfaithful", f"words the evidence lacks: {lacking}")]
    return []


def _single_source(reply: str, evidence: str) -> list[Violation]:
    sources = [set(_content_stems(s)) for s in _SENTENCE.split(evidence)]
    for sentence in _SENTENCE.split(reply):
        stems = set(_content_stems(sentence))
        if len(stems) < MIN_CONTENT_WORDS:
            continue
        if max((len(stems & source) / len(stems) for source in sources), default=0.0) < MIN_SENTENCE_SUPPORT:
            return [Violation("unfaithful", f"no sentence of the evidence says: {sentence[:80]}")]
    return []


def _labels_named(reply: str, evidence: str, question: str) -> list[Violation]:
    made_up = {label for label in _labels(reply) if label not in evidence.lower()}
    if made_up:
        return [Violation("unfaithful", f"names what the evidence does not: {', '.join(sorted(made_up))}")]
    labels = _labels(evidence)
    named = {label for label in labels if label in reply.lower()}
    if _HOW_TO.search(question) and labels and len(named) < MIN_LABEL_SHARE * len(labels):
        return [Violation("unfaithful", f"leaves out the steps: {', '.join(sorted(labels - named))}")]
    return []


def _availability(reply: str, evidence: str, question: str) -> list[Violation]:
    if _ASKS_AVAILABILITY.search(question) and STOCK_CLAIM.search(evidence) and not STOCK_CLAIM.search(reply):
        return [Violation("unfaithful", "does not say whether it is in stock")]
    return []


def repetition(reply: str) -> list[Violation]:
    """A reply that says the same sentence twice (shared with the offer-copy checks)."""
    sentences = [" ".join(s.lower().split()) for s in _SENTENCE.split(reply) if s.strip()]
    return [Violation("unfaithful", "repeats a sentence")] if len(sentences) != len(set(sentences)) else []
