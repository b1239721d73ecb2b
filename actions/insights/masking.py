"""Customer messages made fit to show a marketer: personal data replaced by a label.

Masked: e-mail addresses and phone numbers (``actions.log_redaction.redact``, the same
patterns as every log line, which also hides tokens), card numbers, order numbers (the
store's ``ORDER_ID_PATTERN``, six digits in the demo, with or without ``#``), customer
ids (``C10001``), and names: the words after "my name is", "I'm", "I am", "this is",
"call me", a title ("Mrs Jones"), and capitalised words inside a sentence ("my
daughter Emma loves it"). A capitalised word the store itself uses (a brand, product or
category: ``store_words``) or a common proper noun of shopping (a weekday, month,
carrier, payment method, country the store ships to) is kept, since it is what the
message is about. A word at the start of a sentence is only masked after a cue.

This errs towards masking: "Apple Watch" inside a sentence becomes "[name]" unless the
store sells it. Only masked text is ever stored by the topics job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from actions.log_redaction import redact

NAME = "[name]"
ORDER_NUMBER = "[order number]"
CUSTOMER_ID = "[customer id]"
CARD_NUMBER = "[card number]"
# Every label this module or log_redaction writes: what naming.py must not take for a word.
LABELS = (NAME, ORDER_NUMBER, CUSTOMER_ID, CARD_NUMBER, "[e-mail]", "[phone]", "[customer token]")

DEFAULT_ORDER_ID_PATTERN = r"\d{6}"

# Capitalised words a shopper writes that are not people: kept inside a sentence.
COMMON_PROPER_WORDS = frozenset(
    """
    i i'm i've i'd i'll ok okay hi hello hey thanks thank please sorry yes no
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    christmas easter halloween thanksgiving black cyber prime
    usps ups fedex dhl royal mail amazon ebay
    paypal visa mastercard amex american express klarna afterpay apple google pay gpay
    iphone ipad android samsung windows mac macbook bluetooth usb wifi
    us usa america american united states canada canadian uk britain british kingdom
    england europe european eu union germany france spain italy ireland netherlands
    """.split()
)
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?"
_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’-]*"
_CAP_WORD = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]+"
# "my name is" takes the next one or two words whatever their case; "I'm" only a capitalised one
# ("I'm looking for ..." is not a name).
_NAME_IS = re.compile(
    rf"(?i:\b(?:my\s+name\s+is|my\s+name's|name\s*:|call\s+me|signed)\s+)({_WORD}(?:\s+{_WORD})?)"
)
_I_AM = re.compile(
    rf"(?i:\b(?:i'?m|i\s+am|this\s+is|it's|regards,?|thanks,?|cheers,?)\s+)({_CAP_WORD}(?:\s+{_CAP_WORD})?)"
)
_TITLED = re.compile(rf"\b{_TITLES}\s+{_CAP_WORD}(?:\s+{_CAP_WORD})?")
_CUSTOMER_ID = re.compile(r"\b[Cc]\d{5,8}\b")
_CARD = re.compile(r"(?<![\w.])\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}(?![\w.])")
_CAPITALISED = re.compile(rf"(?<![\w'’.\[])({_CAP_WORD})(?![\w'’])")
_SENTENCE_END = re.compile(r"[.!?\n:;]\s*$|^\s*$")
# Words that may follow "my name is" without being a name.
_NOT_A_NAME = ENGLISH_STOP_WORDS | {"also", "still"}


@dataclass(frozen=True)
class Masker:
    """Masks one message at a time; built once per run with the store's own words.

    Args:
        store_words: Words of the store's brands, products and categories, kept when capitalised.
        order_id_pattern: The store's order number format (``Settings.order_id_pattern``).

    """

    store_words: frozenset[str] = frozenset()
    order_id_pattern: str = DEFAULT_ORDER_ID_PATTERN

    @classmethod
    def for_store(cls, names: Iterable[str], order_id_pattern: str = DEFAULT_ORDER_ID_PATTERN) -> Masker:
        """A masker keeping every word of ``names`` (product names, categories, brands)."""
        words = {word.lower() for name in names for word in re.findall(_WORD, name)}
        return cls(frozenset(words), order_id_pattern)

    def mask(self, text: str) -> str:
        """``text`` with e-mails, phones, card, order and customer numbers, and names replaced."""
        masked = _CARD.sub(CARD_NUMBER, text)
        masked = redact(masked)
        masked = re.sub(rf"(?<![\w.])#?(?:{self.order_id_pattern})(?![\w.])", ORDER_NUMBER, masked)
        masked = _CUSTOMER_ID.sub(CUSTOMER_ID, masked)
        masked = _TITLED.sub(NAME, masked)
        masked = _NAME_IS.sub(self._after_name_cue, masked)
        masked = _I_AM.sub(self._after_name_cue, masked)
        return collapse_labels(_CAPITALISED.sub(self._inside_sentence, masked))

    def _kept(self, word: str) -> bool:
        lowered = word.lower().strip("'’-")
        return lowered in COMMON_PROPER_WORDS or lowered in self.store_words or lowered in _NOT_A_NAME

    def _after_name_cue(self, match: re.Match[str]) -> str:
        words = match.group(1).split()
        if self._kept(words[0]):
            return match.group(0)
        start = match.start(1) - match.start(0)
        rest = f" {words[1]}" if len(words) > 1 and self._kept(words[1]) else ""
        return match.group(0)[:start] + NAME + rest

    def _inside_sentence(self, match: re.Match[str]) -> str:
        word = match.group(1)
        before = match.string[: match.start(1)]
        if _SENTENCE_END.search(before) or self._kept(word):
            return word
        return NAME


def collapse_labels(text: str) -> str:
    """Adjacent name labels ("[name] [name]") as one."""
    return re.sub(rf"{re.escape(NAME)}(?:\s+{re.escape(NAME)})+", NAME, text)
