"""Return eligibility of an order under the store's return policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from actions.store.models import Order, OrderItem, StorePolicy

ReturnVerdict = Literal[
    "eligible",  # delivered and inside the window, at least one returnable item
    "window_closed",  # delivered, but the window has passed
    "not_delivered",  # processing, shipped or in transit: returnable once it arrives
    "nothing_returnable",  # inside the window, but every item is final sale/excluded
    "cancelled",
    "already_returned",
]


@dataclass(frozen=True)
class ReturnAssessment:
    """What the policy says about returning an order today."""

    verdict: ReturnVerdict
    deadline: date | None
    returnable: tuple[OrderItem, ...]
    excluded: tuple[OrderItem, ...]


def _is_excluded(item: OrderItem, policy: StorePolicy) -> bool:
    return item.final_sale or item.category in policy.non_returnable_categories


def assess_return(order: Order, policy: StorePolicy, today: date) -> ReturnAssessment:
    """Apply the return policy to an order.

    The window counts calendar days from the delivery date; the last day of the
    window is still inside it.
    """
    excluded = tuple(item for item in order.items if _is_excluded(item, policy))
    returnable = tuple(item for item in order.items if not _is_excluded(item, policy))
    if order.status == "cancelled":
        return ReturnAssessment("cancelled", None, (), ())
    if order.status == "returned":
        return ReturnAssessment("already_returned", None, (), ())
    if not returnable:
        return ReturnAssessment("nothing_returnable", None, (), excluded)
    if order.status != "delivered" or order.delivered_at is None:
        return ReturnAssessment("not_delivered", None, returnable, excluded)
    deadline = order.delivered_at.date() + timedelta(days=policy.return_window_days)
    if today > deadline:
        return ReturnAssessment("window_closed", deadline, (), excluded)
    return ReturnAssessment("eligible", deadline, returnable, excluded)
