"""Turns store data into the values that domain responses interpolate."""

from __future__ import annotations

from datetime import date, datetime

from actions.store.models import OrderItem


def format_date(value: date | datetime | None) -> str:
    """'November 23, 2026' (or 'not known yet')."""
    if value is None:
        return "not known yet"
    return f"{value:%B} {value.day}, {value.year}"


def format_items(items: tuple[OrderItem, ...] | list[OrderItem]) -> str:
    """'2 x Trail Running Shoe, 1 x Dog Bed'."""
    return ", ".join(f"{item.quantity} x {item.name}" for item in items)


def format_status(status: str) -> str:
    """Order status as a customer reads it ('in_transit' -> 'in transit')."""
    return status.replace("_", " ")
