"""Which arm of a rule each identified customer fell in first, and whether they bought within the window.

The outcome both a control customer and an exposed one can reach is a purchase: a
customer *converts* for a rule when they placed an order within ``ATTRIBUTION_DAYS``
after their **first** exposure to the rule or control hold by it (an order at
``at < placed_at <= at + window``). Each customer counts once per rule, in the arm
(a variant id, or ``CONTROL_ARM``) they first fell in, within the segment the
offer event named then; later exposures or holds by the same rule change nothing.

Only identified customers can be linked to their orders: an event whose customer
is ``anonymous`` (a visitor who did not sign in) is counted apart and left out.
A customer whose window has not ended yet could still buy, so they are left out of
the tallies (counted as ``pending``) until it has: counting them as "did not buy"
would pull both arms' rates down by how recent the traffic is.

Pure functions only; ``actions/offers/outcomes.py`` reads the stream and the orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from actions.offers.events import ANONYMOUS, OfferEvent

ATTRIBUTION_DAYS = 7
# Not a valid variant id (variant ids are slugs), so it never collides with one.
CONTROL_ARM = "(control)"
OVERALL = ""  # the scope of every customer of the rule, whatever their segment


@dataclass(frozen=True)
class FirstArm:
    """Where one identified customer first met one rule."""

    rule: str
    customer: str
    arm: str
    segment: str
    at: float

    def window_end(self, window_days: int = ATTRIBUTION_DAYS) -> float:
        """The last moment an order still counts for this rule."""
        return self.at + window_days * 86400


@dataclass
class FirstArms:
    """Every identified customer's first arm per rule, and the anonymous events left out."""

    firsts: dict[tuple[str, str], FirstArm]
    anonymous: dict[str, int]


def first_arms(events: Iterable[OfferEvent]) -> FirstArms:
    """The earliest exposure or control hold of each (rule, identified customer); clicks and accepts ignored.

    Earliest by the event's own time, not its place in the stream: a history written
    after live traffic keeps its own times in its fields.
    """
    firsts: dict[tuple[str, str], FirstArm] = {}
    anonymous: dict[str, int] = {}
    for event in events:
        if event.type not in ("exposure", "control"):
            continue
        if not event.customer or event.customer == ANONYMOUS:
            anonymous[event.rule] = anonymous.get(event.rule, 0) + 1
            continue
        key = (event.rule, event.customer)
        known = firsts.get(key)
        if known is None or event.ts < known.at:
            arm = CONTROL_ARM if event.type == "control" else event.variant
            firsts[key] = FirstArm(event.rule, event.customer, arm, event.segment, event.ts)
    return FirstArms(firsts, anonymous)


class ArmTally(BaseModel):
    """Customers counted in one arm of one scope, and how many of them bought within the window."""

    customers: int = 0
    converted: int = 0


class RuleTally(BaseModel):
    """One rule's tallies by scope (``OVERALL`` or a segment id) and arm."""

    rule: str
    scopes: dict[str, dict[str, ArmTally]] = {}
    pending: int = 0
    anonymous: int = 0

    def arm(self, scope: str, arm: str) -> ArmTally:
        """The tally of one arm in one scope (zeros when nobody fell in it)."""
        return self.scopes.get(scope, {}).get(arm, ArmTally())

    def exposed(self, scope: str) -> ArmTally:
        """Every variant together: the customers shown the offer, whichever variant."""
        arms = [t for name, t in self.scopes.get(scope, {}).items() if name != CONTROL_ARM]
        return ArmTally(customers=sum(t.customers for t in arms), converted=sum(t.converted for t in arms))

    def count(self, scope: str, arm: str, converted: bool) -> None:
        """Add one customer to an arm of a scope."""
        tally = self.scopes.setdefault(scope, {}).setdefault(arm, ArmTally())
        tally.customers += 1
        tally.converted += int(converted)


def tally(
    found: FirstArms,
    converted: Mapping[tuple[str, str], bool],
    now: float,
    window_days: int = ATTRIBUTION_DAYS,
) -> dict[str, RuleTally]:
    """Each rule's customers and purchasers per scope and arm (module docstring for who counts).

    Args:
        found: every (rule, customer)'s first arm.
        converted: whether each (rule, customer) ordered within the window; missing means no.
        now: customers whose window ends after this are pending, not counted.
        window_days: the attribution window.

    """
    rules: dict[str, RuleTally] = {}
    for rule, count in found.anonymous.items():
        rules.setdefault(rule, RuleTally(rule=rule)).anonymous = count
    for key, first in found.firsts.items():
        result = rules.setdefault(first.rule, RuleTally(rule=first.rule))
        if first.window_end(window_days) > now:
            result.pending += 1
            continue
        bought = converted.get(key, False)
        result.count(OVERALL, first.arm, bought)
        if first.segment:
            result.count(first.segment, first.arm, bought)
    return rules
