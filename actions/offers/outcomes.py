"""Purchases after offers, per rule, segment and arm: computed by a job, read by the offer results.

``compute_outcomes`` reads the whole offer event stream (``offers:events``, oldest first,
in chunks), finds each identified customer's first arm per rule
(``actions/offers/attribution.py``), asks each customer's order sorted set
(``store:customer_orders:{id}``, scored by ``placed_at``) for an order in the window
(one pipelined ``ZCOUNT`` per rule and customer), and replaces one hash per rule,
``offers:outcomes:{rule}``, in one transaction.

Every run recomputes from the stream rather than keeping a cursor: an order can
arrive up to ``ATTRIBUTION_DAYS`` after the exposure, so an incremental run would
have to revisit every customer still in their window anyway, and a recomputation
cannot count anyone twice however often it runs, or if a run dies half-way. The
stream is capped (``OFFER_EVENTS_STREAM_MAXLEN``), so "first" means the first still
in the stream, and the cost is bounded (figures in docs/offers.md, "Uplift").

Hash fields: ``customers:{scope}:{arm}`` and ``converted:{scope}:{arm}`` (scope ``''``
for the rule overall or a segment id; arm a variant id or ``(control)``), then
``pending``, ``anonymous``, ``window_days`` and ``computed_at``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError
from redis.asyncio import Redis

from actions.keys import OFFER_OUTCOMES_TTL_S, Keys
from actions.offers.attribution import ATTRIBUTION_DAYS, ArmTally, FirstArms, RuleTally, first_arms, tally
from actions.offers.events import OfferEvent
from actions.redis_edge import store_call, text

CHUNK = 5_000
_META = ("pending", "anonymous", "window_days", "computed_at")


class RuleOutcomes(RuleTally):
    """A rule's tallies as stored, with when they were computed and over which window."""

    window_days: int = ATTRIBUTION_DAYS
    computed_at: float = 0.0

    def fields(self) -> dict[str, str]:
        """The hash fields (module docstring)."""
        out = {name: str(getattr(self, name)) for name in _META}
        for scope, arms in self.scopes.items():
            for arm, counts in arms.items():
                out[f"customers:{scope}:{arm}"] = str(counts.customers)
                out[f"converted:{scope}:{arm}"] = str(counts.converted)
        return out

    @classmethod
    def parse(cls, rule: str, raw: Mapping[bytes, bytes] | Mapping[str, str]) -> RuleOutcomes:
        """Read a stored hash back (the fields of ``fields``)."""
        values = {text(k): text(v) for k, v in raw.items()}
        outcomes = cls(
            rule=rule,
            pending=int(values.get("pending", 0)),
            anonymous=int(values.get("anonymous", 0)),
            window_days=int(values.get("window_days", ATTRIBUTION_DAYS)),
            computed_at=float(values.get("computed_at", 0.0)),
        )
        for name, value in values.items():
            measure, _, rest = name.partition(":")
            scope, _, arm = rest.partition(":")
            if measure in ("customers", "converted") and arm:
                counts = outcomes.scopes.setdefault(scope, {}).setdefault(arm, ArmTally())
                setattr(counts, measure, int(value))
        return outcomes


@dataclass(frozen=True)
class OutcomesReport:
    """What one computation read and wrote."""

    events: int
    malformed: int
    customers: int
    rules: dict[str, RuleOutcomes]
    seconds: float

    def lines(self) -> list[str]:
        """Printable summary, one line per rule overall."""
        head = (
            f"offer outcomes from {self.events} events ({self.malformed} malformed skipped), "
            f"{self.customers} identified customer-rule pairs, in {self.seconds:.2f} s"
        )
        out = [head]
        for rule, outcomes in sorted(self.rules.items()):
            arms = outcomes.scopes.get("", {})
            described = ", ".join(f"{arm} {t.converted}/{t.customers}" for arm, t in sorted(arms.items()))
            out.append(
                f"  {rule}: {described or 'no customer past the window yet'}; "
                f"{outcomes.pending} still in their window, {outcomes.anonymous} anonymous left out"
            )
        return out


async def _events(redis: Redis, keys: Keys, chunk: int) -> tuple[list[OfferEvent], int]:
    """Every event still in the stream, oldest first, and how many entries were malformed."""
    events: list[OfferEvent] = []
    malformed, start = 0, "-"
    while True:
        with store_call("read offer events"):
            raw = await redis.xrange(keys.offer_events, min=start, count=chunk)
        entries = cast(list[tuple[Any, dict[Any, Any]]], raw or [])
        for _, entry in entries:
            try:
                events.append(OfferEvent.model_validate({text(k): text(v) for k, v in entry.items()}))
            except ValidationError:
                malformed += 1  # one bad entry must not stop every rule's figures
        if len(entries) < chunk:
            return events, malformed
        start = f"({text(entries[-1][0])}"


async def _purchases(
    redis: Redis, keys: Keys, found: FirstArms, window_days: int
) -> dict[tuple[str, str], bool]:
    """Whether each (rule, customer) ordered in ``(at, at + window]``: one pipelined ZCOUNT each."""
    pairs = list(found.firsts.items())
    out: dict[tuple[str, str], bool] = {}
    for batch in _batches(pairs, CHUNK):
        with store_call("read the customers' orders"):
            async with redis.pipeline(transaction=False) as pipe:
                for _, first in batch:
                    pipe.zcount(
                        keys.customer_orders(first.customer), f"({first.at}", first.window_end(window_days)
                    )
                counts = await pipe.execute()
        out.update({key: int(n) > 0 for (key, _), n in zip(batch, counts, strict=True)})
    return out


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def compute_outcomes(
    redis: Redis,
    keys: Keys,
    now: float | None = None,
    window_days: int = ATTRIBUTION_DAYS,
    chunk: int = CHUNK,
) -> OutcomesReport:
    """Recompute every rule's outcomes from the stream and the orders, and replace the stored hashes."""
    started = time.perf_counter()
    now = time.time() if now is None else now
    events, malformed = await _events(redis, keys, chunk)
    found = first_arms(events)
    converted = await _purchases(redis, keys, found, window_days)
    tallies = tally(found, converted, now, window_days)
    rules = {
        rule: RuleOutcomes(**t.model_dump(), window_days=window_days, computed_at=now)
        for rule, t in tallies.items()
    }
    with store_call("store the offer outcomes"):
        async with redis.pipeline(transaction=True) as tx:
            for rule, outcomes in rules.items():
                key = keys.offer_outcomes(rule)
                tx.delete(key)
                tx.hset(key, mapping=outcomes.fields())  # type: ignore[arg-type]
                tx.expire(key, OFFER_OUTCOMES_TTL_S)
            await tx.execute()
    return OutcomesReport(len(events), malformed, len(found.firsts), rules, time.perf_counter() - started)


async def read_outcomes(redis: Redis, keys: Keys, rule_ids: list[str]) -> dict[str, RuleOutcomes | None]:
    """Each rule's stored outcomes (None when the job has not computed any), in one round trip."""
    with store_call("read the offer outcomes"):
        async with redis.pipeline(transaction=False) as pipe:
            for rule in rule_ids:
                pipe.hgetall(keys.offer_outcomes(rule))
            raws = await pipe.execute()
    return {
        rule: RuleOutcomes.parse(rule, raw) if raw else None for rule, raw in zip(rule_ids, raws, strict=True)
    }
