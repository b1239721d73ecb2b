"""The privacy page's form fields, checked by the rule ``python -m jobs.privacy`` applies to its arguments."""

from __future__ import annotations

import re

from starlette.requests import Request

from actions.privacy.inventory import CUSTOMER_ID_RULE, valid_customer_id
from web.marketing.responses import RequestInvalid

CUSTOMER_ID_FIELD = "customer_id"
CONFIRM_FIELD = "confirm_customer_id"
CONFIRM_RULE = "type the customer id again, exactly as above, to erase"
# What an export file's name keeps of the id; anything else becomes "_".
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class FieldInvalid(RequestInvalid):
    """One form field is wrong (HTTP 400): the page marks the field and shows the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def check_customer_id(value: str) -> str:
    """``value`` if it is a customer id the CLI would accept.

    Raises:
        FieldInvalid: naming ``customer_id``.

    """
    if not valid_customer_id(value):
        raise FieldInvalid(CUSTOMER_ID_FIELD, CUSTOMER_ID_RULE)
    return value


def check_confirmation(customer_id: str, typed: str) -> None:
    """Let an erasure through only when the admin typed the id a second time, exactly.

    Raises:
        FieldInvalid: naming ``confirm_customer_id``.

    """
    if typed != customer_id:
        raise FieldInvalid(CONFIRM_FIELD, CONFIRM_RULE)


async def form_fields(request: Request, *names: str) -> dict[str, str]:
    """The named fields of a posted form, as text (a missing or file field is empty)."""
    async with request.form() as form:
        values = {name: form.get(name) for name in names}
    return {name: value if isinstance(value, str) else "" for name, value in values.items()}


def export_filename(customer_id: str) -> str:
    """The download's file name: ASCII only, safe in a ``Content-Disposition`` header."""
    return f"customer-{_FILENAME_UNSAFE.sub('_', customer_id)}-export.json"
