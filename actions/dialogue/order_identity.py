"""Validation of the order number and e-mail a customer types into a form."""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.services import get_services

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def parse_order_id(text: str, pattern: str) -> str | None:
    """The order number inside the customer's text ('#104233', 'it is 104233')."""
    match = re.search(rf"(?<![\w]){pattern}(?![\w])", text)
    return match.group(0) if match else None


def parse_email(text: str) -> str | None:
    """The e-mail address inside the customer's text, lower-cased."""
    match = _EMAIL.search(text)
    return match.group(0).lower() if match else None


class OrderIdentityValidation(FormValidationAction):
    """Checks the format of ``order_id`` and ``email``; the pair is checked on lookup.

    The domain must declare the slots ``order_id`` and ``email`` and the
    responses ``utter_invalid_order_id`` and ``utter_invalid_email``.
    """

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>."""

    async def validate_order_id(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep only a well-formed order number."""
        order_id = parse_order_id(str(slot_value or ""), get_services().settings.order_id_pattern)
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
        return {"order_id": order_id}

    async def validate_email(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep only a well-formed e-mail address."""
        email = parse_email(str(slot_value or ""))
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
        return {"email": email}


class ValidateOrderStatusForm(OrderIdentityValidation):
    """Validates the order status form."""

    def name(self) -> str:
        """Action name."""
        return "validate_order_status_form"


class ValidateReturnForm(OrderIdentityValidation):
    """Validates the return form."""

    def name(self) -> str:
        """Action name."""
        return "validate_return_form"
