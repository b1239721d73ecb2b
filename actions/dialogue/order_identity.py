"""Validation of the order number and e-mail a customer types into a form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.form_validation import InterruptibleFormValidation, SlotShape
from actions.services import get_services

# Bounded parts that start only where a word starts: linear time on any input, where the
# unbounded form took seconds on 40,000 characters. bot/data/nlu/regex.yml holds the same pattern.
EMAIL_PATTERN = (
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}"
    r"\.[A-Za-z]{2,24}(?![A-Za-z])"
)
_EMAIL = re.compile(EMAIL_PATTERN)


def parse_order_id(text: str, pattern: str) -> str | None:
    """The order number inside the customer's text ('#104233', 'it is 104233')."""
    match = re.search(rf"(?<![\w]){pattern}(?![\w])", text)
    return match.group(0) if match else None


def parse_email(text: str) -> str | None:
    """The e-mail address inside the customer's text, lower-cased."""
    match = _EMAIL.search(text)
    return match.group(0).lower() if match else None


# Text meant as an order number or an e-mail address, even a malformed one.
# "my order is abc", "it's 1042": a reply meant as the order number, even without one.
_NUMBER_LIKE = re.compile(
    r"\d{3,}|#\s*\w+|\b(?:order|number|no|id)\s*(?:'s|is|=|:)\s*[\w-]+\s*[.!]?\s*$", re.IGNORECASE
)
_EMAIL_LIKE = re.compile(
    r"@|\b(?:gmail|outlook|hotmail|yahoo|icloud)\b|\.(?:com|net|org)\b"
    r"|\be-?mail(?: address)?\s*(?:'s|is|=|:)\s*\S+",
    re.IGNORECASE,
)


def order_id_shape() -> SlotShape:
    """An order number in the store's format (ORDER_ID_PATTERN)."""
    pattern = get_services().settings.order_id_pattern
    return SlotShape(lambda text: parse_order_id(text, pattern), _NUMBER_LIKE, "utter_invalid_order_id")


EMAIL_SHAPE = SlotShape(parse_email, _EMAIL_LIKE, "utter_invalid_email")


class OrderIdentityValidation(InterruptibleFormValidation):
    """Checks the format of ``order_id`` and ``email``; the pair is checked on lookup.

    The domain must declare the slots ``order_id`` and ``email`` and the
    responses ``utter_invalid_order_id`` and ``utter_invalid_email``.
    """

    def shapes(self) -> Mapping[str, SlotShape]:
        """The order number and the e-mail address."""
        return {"order_id": order_id_shape(), "email": EMAIL_SHAPE}

    async def validate_order_id(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep only a well-formed order number."""
        return self.validate_by_shape("order_id", slot_value, dispatcher)

    async def validate_email(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep only a well-formed e-mail address."""
        return self.validate_by_shape("email", slot_value, dispatcher)


class ValidateOrderStatusForm(OrderIdentityValidation):
    """Validates the order status form."""

    own_intents = frozenset({"check_order_status"})

    def name(self) -> str:
        """Action name."""
        return "validate_order_status_form"


class ValidateReturnForm(OrderIdentityValidation):
    """Validates the return form."""

    own_intents = frozenset({"request_return"})

    def name(self) -> str:
        """Action name."""
        return "validate_return_form"
